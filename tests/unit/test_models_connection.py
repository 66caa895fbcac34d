"""Every model talks through one botocore client: a route's first call must not pay for a
client of its own per model (0.1-0.3 s each on a cold container)."""
from __future__ import annotations

from korpo import settings
from korpo.models import CATALOG_MODELS, SCORES_MODELS, EventModel, bind_tables


def test_every_model_shares_one_client_and_keeps_its_own_table():
    bind_tables(settings.from_env({"KORPO_CATALOG_TABLE": "c", "KORPO_SCORES_TABLE": "s",
                                   "KORPO_EVENTS_TABLE": "e"}))
    models = (*CATALOG_MODELS, *SCORES_MODELS, EventModel)
    clients = {id(model._get_connection().connection.client) for model in models}
    assert len(clients) == 1
    assert {model._get_connection().table_name for model in models} == {"c", "s", "e"}


def test_binding_the_tables_again_makes_a_new_client():
    """The local stack rebinds when its endpoint changes: the old client must not survive."""
    from korpo.models import PostModel

    bind_tables(settings.from_env({}))
    before = PostModel._get_connection().connection.client
    bind_tables(settings.from_env({}))
    assert PostModel._get_connection().connection.client is not before
