"""Pages for elected officials and funders (budget scenarios), under `/c/{slug}/simulations`: a
scenario form, runs with their progress and results, comparisons, the solver, downloads and a
printable summary. The computation and its limits are `caisse.simulations`'."""

from litestar.handlers import HTTPRouteHandler

from caisse.auth.models import Role
from web.i18n import N_
from web.pages.menu import MenuLink
from web.pages.officials import compare, form, outlook, runs, solver

HANDLERS: list[HTTPRouteHandler] = [
    runs.runs,
    runs.run_page,
    runs.printable_summary,
    runs.download_json,
    runs.download_csv,
    runs.fan_chart,
    form.scenario_form,
    form.run_scenario,
    compare.compare_form,
    compare.run_comparison,
    solver.solver_form,
    solver.run_solver,
    outlook.outlook_page,
    outlook.backtest_page,
]
MENU: list[MenuLink] = [
    MenuLink(Role.OFFICIAL, N_("Budget forecasts"), "simulations"),
    MenuLink(Role.OFFICIAL, N_("Forecast from the caisse's books"), "simulations/prevision"),
    MenuLink(Role.OFFICIAL, N_("New scenario"), "simulations/nouvelle"),
    MenuLink(Role.OFFICIAL, N_("Compare scenarios"), "simulations/comparer"),
    MenuLink(Role.OFFICIAL, N_("Find the lever that meets a target"), "simulations/solveur"),
]
