"""A realistic demo caisse, built through the same services as the API."""

from caisse.demo.build import DEMO_PASSWORD, DemoSummary, build_demo, installation_is_empty

__all__ = ["DEMO_PASSWORD", "DemoSummary", "build_demo", "installation_is_empty"]
