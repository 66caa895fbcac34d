"""PynamoDB models, one module per table; access patterns are written next to each model
and gathered in docs/data-model.md. Table names come from settings (the template's names)."""
from __future__ import annotations

from korpo.models.catalog import (
    AccessModel, AnnouncementModel, BrandModel, CatalogItem, ChallengeModel,
    ChallengeRequestModel, DeletedEmployeeModel, EmployeeModel, FeedModel, GoneFeedsModel,
    LinkModel, LinkOwnerModel, NewcomerModel, OutboxModel, PinModel, PostModel, RedemptionModel,
    RewardModel, RulesModel, SentMailModel, SignupNoticeModel, TeamModel,
)
from korpo.models.events import EventModel
from korpo.models.scores import (
    ArchiveEntryModel, BalanceModel, BoardEntryModel, CorrectionModel, LedgerModel,
    MonthStateModel, ScoresItem,
)
from korpo.models.base import reset_transaction_connection
from korpo.settings import Settings

CATALOG_MODELS = (FeedModel, PostModel, LinkModel, LinkOwnerModel, EmployeeModel, RewardModel,
                  ChallengeModel, RulesModel, TeamModel, RedemptionModel, DeletedEmployeeModel,
                  AccessModel, BrandModel, PinModel, GoneFeedsModel, SentMailModel,
                  AnnouncementModel, NewcomerModel, ChallengeRequestModel, SignupNoticeModel,
                  OutboxModel)
SCORES_MODELS = (LedgerModel, BalanceModel, BoardEntryModel, ArchiveEntryModel, MonthStateModel,
                 CorrectionModel)


def bind_tables(settings: Settings) -> None:
    """Point every model at the deployment's tables (and drop cached connections)."""
    reset_transaction_connection()
    from korpo.aws import reset_clients

    reset_clients()
    for group, name in ((CATALOG_MODELS, settings.catalog_table),
                        ((EventModel,), settings.events_table),
                        (SCORES_MODELS, settings.scores_table)):
        for model in group:
            model.Meta.table_name = name
            model._connection = None


__all__ = [
    "AccessModel", "AnnouncementModel", "ArchiveEntryModel", "BalanceModel", "BoardEntryModel",
    "BrandModel", "CatalogItem", "ChallengeModel", "ChallengeRequestModel", "CorrectionModel",
    "DeletedEmployeeModel", "EmployeeModel",
    "EventModel", "FeedModel", "GoneFeedsModel", "LedgerModel", "LinkModel", "LinkOwnerModel",
    "MonthStateModel", "NewcomerModel", "OutboxModel", "PinModel", "PostModel",
    "RedemptionModel", "RewardModel", "RulesModel", "ScoresItem", "SentMailModel",
    "SignupNoticeModel", "TeamModel", "bind_tables",
]
