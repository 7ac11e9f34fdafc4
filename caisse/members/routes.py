"""The members API controllers, for `caisse.api`."""

from caisse.members.controllers import MemberController

CONTROLLERS = [MemberController]
