"""Cost assumption and program cost pages (being written)."""

from django.views import View


class AlternativeCostListView(View):
    pass


class AlternativeCostRemoveView(View):
    pass


class ProgramCostListView(View):
    pass


class ProgramCostRemoveView(View):
    pass
