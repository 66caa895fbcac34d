"""The stats dashboard (/manage/stats) and its tables as CSV files (/manage/stats.csv): what
the programme brought over a period, overall or for one challenge, team, channel, network
or post. The figures come from korpo.board.dashboard; this module only names and lays them out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from chalice import Blueprint, Response

from korpo.board import dashboard
from korpo.board.standings import Standing
from korpo.board.stats import DEFAULT_DAYS, MAX_DAYS
from korpo.content import posts
from korpo.feeds import store as feed_store
from korpo.models import ChallengeModel
from korpo.people import teams
from korpo.people.employees import display_names
from korpo.tracking.links import NETWORKS
from webapp import charts, spreadsheet
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Visit
from webapp.routes.admin.common import admin_page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

TOP = 20  # rows of a breakdown on the page (the CSV has them all)
POST_CHOICES = 100  # the newest posts offered in the filter
NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook",
                 "mastodon": "Mastodon", "bluesky": "Bluesky", "whatsapp": "WhatsApp",
                 "email": N_("e-mail"), "copy": N_("copied link"), "qr": N_("QR code"),
                 "native": N_("phone's share menu"), "direct": N_("direct (no referrer)"),
                 "other": N_("other")}
GROUPS = {"challenge": N_("Challenges"), "team": N_("Teams"), "channel": N_("Channels"),
          "network": N_("Networks"), "post": N_("Posts")}


@dataclass(frozen=True)
class Period:
    first: date
    last: date


@dataclass
class Table:
    """A table of the page, and the same as a CSV file: `kinds` says how each column's
    values are shown (text, number, percent, money)."""
    key: str
    caption: str
    headers: list[str]
    kinds: list[str]
    rows: list[list[Any]]
    shown: int | None = None  # rows on the page (None: all)
    note: str = ""


@dataclass
class Choices:
    """What the filter offers: (value, label) per group, in the groups' order."""
    groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    def label_of(self, dimension: str, key: str) -> str | None:
        for name, options in self.groups:
            if name == dimension:
                return dict(options).get(f"{dimension}:{key}")
        return None


def _today(visit: Visit) -> date:
    return datetime.now(visit.settings.zone).date()


def _period(visit: Visit, errors: dict[str, str]) -> Period | None:
    """The period asked (brand zone, both days included), or None with `errors` set."""
    query = visit.request.query_params or {}
    parsed: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = (query.get(name) or "").strip()
        try:
            parsed[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = visit.gettext(N_("Enter a real date, for example 2026-11-01."))
    if errors:
        return None
    last = parsed["to"] or _today(visit)
    first = parsed["from"] or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        errors["from"] = visit.gettext(N_("The start date must be on or before the end date."))
    elif (last - first).days + 1 > MAX_DAYS:
        errors["from"] = visit.gettext(N_("Choose a period of at most %(days)s days."),
                                       days=MAX_DAYS)
    return None if errors else Period(first, last)


@dataclass(frozen=True)
class Preset:
    """A period one tap away: this month so far, last month, this quarter so far."""
    label: str
    period: Period


def presets(today: date) -> list[Preset]:
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return [Preset(N_("This month"), Period(month_start, today)),
            Preset(N_("Last month"), Period(last_month_end.replace(day=1), last_month_end)),
            Preset(N_("This quarter"), Period(quarter_start, today))]


def _choices(visit: Visit) -> tuple[Choices, dict[str, dict[str, str]]]:
    """The filter's lists, and the names of everything they list (for the tables)."""
    names: dict[str, dict[str, str]] = {
        "challenge": {c.challenge_id: c.title for c in ChallengeModel.gsi1.query("CHALLENGES")},
        "team": {t.team_id: t.name for t in teams.list_teams()},
        "channel": {f.feed_id: f.title or f.url for f in feed_store.list_feeds()},
        "network": {n: visit.gettext(label) for n, label in NETWORK_NAMES.items()
                    if n in NETWORKS or n == "direct"},
        "post": {p.post_id: p.title for p in posts.list_posts(limit=POST_CHOICES,
                                                                include_hidden=True)},
    }
    choices = Choices([("all", [("all", visit.gettext(N_("The whole programme")))])])
    for dimension in ("challenge", "team", "channel", "network", "post"):
        options = [(f"{dimension}:{key}", label) for key, label in names[dimension].items()]
        if dimension != "post":
            options.sort(key=lambda option: option[1].casefold())
        choices.groups.append((dimension, options))
    return choices, names


def _filter(visit: Visit, choices: Choices, errors: dict[str, str]) -> tuple[str, str]:
    raw = ((visit.request.query_params or {}).get("show") or "all").strip()
    dimension, _, key = raw.partition(":")
    if raw == "all":
        return "all", "all"
    if dimension == "post" and choices.label_of("post", key) is None and len(key) <= 128:
        post = posts.get_post(key) if key else None  # an older post, linked from elsewhere
        if post is not None:
            dict(choices.groups)["post"].append((raw, post.title))
    if choices.label_of(dimension, key) is None:
        errors["show"] = visit.gettext(N_("Choose what to show from the list."))
        return "all", "all"
    return dimension, key


def _click_value(visit: Visit) -> Decimal:
    """The value of a human click (a setting; 0 until an admin sets it)."""
    try:
        value = Decimal(str(getattr(visit.settings, "human_click_value", 0) or 0))
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and value >= 0 else Decimal(0)


def _names_of(board: dashboard.Dashboard, names: dict[str, dict[str, str]],
              visit: Visit) -> dict[str, dict[str, str]]:
    """Names of the posts the breakdown lists that the filter's lists do not (older posts)."""
    missing = [r.key for r in board.breakdowns.get("post", [])[:500]
               if r.key not in names["post"] and r.key != "~other"]
    if missing:
        from korpo.models import PostModel

        found = {p.post_id: p.title for p in PostModel.batch_get(
            [PostModel.key(k) for k in missing], attributes_to_get=["post_id", "title"])}
        names = {**names, "post": {**names["post"], **found}}
    return names


def _tables(visit: Visit, board: dashboard.Dashboard, names: dict[str, dict[str, str]],
            top: list[Standing], top_names: dict[str, str]) -> list[Table]:
    _ = visit.gettext
    totals = board.totals
    summary = [
        [_(N_("Human clicks (reach)")), board.reach, "number"],
        [_(N_("Unique visitors")), totals["unique_visitors"], "number"],
        [_(N_("Clicks by robots and link previews (not reach)")), totals["bot_clicks"],
         "number"],
        [_(N_("Repeat clicks of a visitor (not reach)")), totals["repeat_clicks"], "number"],
        [_(N_("Employees' own clicks (not reach)")), totals["self_clicks"], "number"],
        [_(N_("Unverified clicks (not reach)")), totals["unverified_clicks"], "number"],
        [_(N_("Shares")), totals["share_intents"], "number"],
        [_(N_("Conversions")), totals["conversions"], "number"],
        [_(N_("Conversions through robots' or unverified clicks (earn nothing)")),
         totals["unpaid_conversions"], "number"],
        [_(N_("Conversion rate (conversions per human click)")), board.conversion_rate,
         "percent"],
        [_(N_("Earned media value")), board.earned_media_value, "money"],
        [_(N_("Points awarded")), totals["points"], "number"],
    ]
    if board.redeemed is not None:
        summary += [[_(N_("Points redeemed in the shop")), board.redeemed.redeemed_points,
                     "number"],
                    [_(N_("Points refunded (cancelled redemptions)")),
                     board.redeemed.refunded_points, "number"],
                    [_(N_("Employees who signed up in the period")),
                     totals.get("employee_signup", 0), "number"]]
    tables = [Table("summary", _(N_("Headline figures")), [_(N_("Figure")), _(N_("Value"))],
                    ["text", "kind"], [row for row in summary])]
    tables.append(Table(
        "daily", _(N_("Day by day")),
        [_(N_("Day")), _(N_("Human clicks")), _(N_("Unique visitors")),
         _(N_("Clicks that are not reach")), _(N_("Shares")), _(N_("Conversions")),
         _(N_("Points awarded"))],
        ["date", "number", "number", "number", "number", "number", "number"],
        [[date.fromisoformat(d.day), d.human_clicks, d.unique_visitors, d.not_reach_clicks,
          d.share_intents, d.conversions, d.points] for d in board.days]))
    tables.append(Table(
        "conversions", _(N_("Conversions by type")), [_(N_("Type")), _(N_("Conversions"))],
        ["text", "number"], [[kind, count] for kind, count in board.conversions_by_type.items()]))
    columns = [_(N_("Human clicks")), _(N_("Shares")), _(N_("Conversions")),
               _(N_("Points awarded"))]
    titles = {"network": (_(N_("Shares and clicks by network")), _(N_("Network")),
                          _(N_("Shares count the network shared to; clicks, the network the "
                               "visitor came from."))),
              "post": (_(N_("Top posts")), _(N_("Post")), ""),
              "team": (_(N_("Top teams")), _(N_("Team")), ""),
              "channel": (_(N_("Channels")), _(N_("Channel")), ""),
              "challenge": (_(N_("Challenges")), _(N_("Challenge")), "")}
    for dimension in ("network", "post", "team", "channel", "challenge"):
        if dimension not in board.breakdowns:
            continue
        rows = board.breakdowns[dimension]
        if dimension == "team":  # the team board: by points
            rows = sorted(rows, key=lambda r: (-r.points, -r.human_clicks, r.key))
        caption, first, note = titles[dimension]
        tables.append(Table(
            dimension + "s" if dimension != "post" else "posts", caption, [first, *columns],
            ["text", "number", "number", "number", "number"],
            [[_label(visit, names, dimension, r.key), r.human_clicks, r.share_intents,
              r.conversions, r.points] for r in rows], shown=TOP, note=note))
    if board.dimension == "all":
        month = board.last_day.strftime("%Y-%m")
        tables.append(Table(
            "employees", _(N_("Top employees, %(month)s"), month=visit.fmt.month(month)),
            [_(N_("Rank")), _(N_("Employee")), _(N_("Points"))], ["number", "text", "number"],
            [[s.rank, top_names.get(s.employee_id, _(N_("(deleted account)"))), s.score]
             for s in top],
            note=_(N_("The month's board: names as employees see them (a pseudonym for those "
                      "who chose not to be named)."))))
        tables.append(Table(
            "adoption", _(N_("Adoption by month")),
            [_(N_("Month")), _(N_("Signed up (in all)")), _(N_("New sign-ups")),
             _(N_("Active (shared at least once)")), _(N_("Share active")),
             _(N_("Active the month before too")), _(N_("Retention"))],
            ["month", "number", "number", "number", "percent", "number", "percent"],
            [[m.month, m.signed_up, m.signups, m.active, m.share_active, m.retained,
              board.retention(m.month)] for m in board.months]))
    return tables


def _label(visit: Visit, names: dict[str, dict[str, str]], dimension: str, key: str) -> str:
    if key == "~other":
        return visit.gettext(N_("(all the others)"))
    return names.get(dimension, {}).get(key) or key


def _asked(visit: Visit) -> tuple[Period | None, str, str, Choices, dict, dict[str, str]]:
    errors: dict[str, str] = {}
    period = _period(visit, errors)
    choices, names = _choices(visit)
    dimension, key = _filter(visit, choices, errors)
    return period, dimension, key, choices, names, errors


def _figures(visit: Visit, period: Period, dimension: str, key: str,
             names: dict[str, dict[str, str]]) -> tuple[dashboard.Dashboard, list[Table]]:
    board = dashboard.dashboard(visit.settings.scores_table, period.first, period.last,
                                dimension=dimension, key=key,
                                human_click_value=_click_value(visit))
    top: list[Standing] = []
    top_names: dict[str, str] = {}
    if dimension == "all":
        top = dashboard.top_employees(period.last.strftime("%Y-%m"), 10)
        top_names = display_names([s.employee_id for s in top])
    return board, _tables(visit, board, _names_of(board, names, visit), top, top_names)


@pages.route("/manage/stats")
def stats_page(visit: Visit) -> Response:
    visit.admin()
    period, dimension, key, choices, names, errors = _asked(visit)
    query = visit.request.query_params or {}
    form = {"from": query.get("from") or (period.first.isoformat() if period else ""),
            "to": query.get("to") or (period.last.isoformat() if period else ""),
            "show": f"{dimension}:{key}" if dimension != "all" else "all"}
    shortcuts = presets(_today(visit))
    if errors or period is None:
        return admin_page(visit, "admin/stats.html", "stats", status=400, errors=errors,
                          form=form, choices=choices, groups=GROUPS, board=None, tables=[],
                          chart=None, export=None, showing="", presets=shortcuts,
                          period=None)
    board, tables = _figures(visit, period, dimension, key, names)
    chart = charts.daily_chart([d.human_clicks for d in board.days],
                               [d.share_intents for d in board.days])
    showing = (choices.label_of(dimension, key) or key) if dimension != "all" else ""
    export = {"from": period.first.isoformat(), "to": period.last.isoformat(),
              "show": form["show"]}
    return admin_page(visit, "admin/stats.html", "stats", form=form, choices=choices,
                      groups=GROUPS, board=board, tables=tables, chart=chart, export=export,
                      showing=showing, dimension=dimension, presets=shortcuts,
                      period=period)


@pages.route("/manage/stats.csv")
def stats_csv(visit: Visit) -> Response:
    """One table of the dashboard as a file (`table`: its key; the same period and filter)."""
    visit.admin()
    period, dimension, key, _choices_, names, errors = _asked(visit)
    if errors or period is None:
        raise PageError(400, next(iter(errors.values())) if errors else N_(
            "The form could not be read."))
    wanted = (visit.request.query_params or {}).get("table") or "daily"
    _board, tables = _figures(visit, period, dimension, key, names)
    table = next((t for t in tables if t.key == wanted), None)
    if table is None:
        raise PageError(404, N_("There is no such table for this view."))
    # Numbers stay numbers (a ratio as a fraction: 0.25), dates ISO, nothing as "".
    rows = [[v.isoformat() if isinstance(v, date) else "" if v is None else v
             for v in row[:len(table.headers)]] for row in table.rows]
    body = spreadsheet.csv_text(table.headers, rows)
    name = spreadsheet.file_name("korpo-stats", table.key, dimension if dimension != "all"
                                 else "", period.first.isoformat(), period.last.isoformat())
    return Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"'})

