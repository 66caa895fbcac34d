"""The whole system on this machine: `python -m infra.local_stack` (what `make run` runs).

    moto server (127.0.0.1)  tables, queues, user pool, schedules, log groups: from template.yaml;
                             the secrets in SSM, as `make deploy` creates them
    gateway (127.0.0.1)      the template's HTTP routes -> payload 1.0 events -> handlers
    scheduler thread         fires the ScheduleV2 events on their schedule
    stream pump thread       delivers the Events stream to award_points (filter, retries…)
    demo site (127.0.0.1)    the demo brand's feeds and pages

Everything runs in this one process: the handlers are imported and called as Lambda would
call them, with the environment the template gives them. What moto does not do (invoke
functions, fire schedules, deliver streams, authorize HTTP API routes) is done here; see
infra/README.md.

Other commands:
    python -m infra.local_stack token ann@example.com   prints an id token (stack running)
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from infra.auth import jwks_url_for
from infra.cognito import CognitoStandIn
from infra.function_urls import FunctionUrl, function_urls
from infra.functions import Invoker, forget_handlers
from infra.gateway import Gateway, HttpResponse, http_routes, jwt_authorizers
from infra.resources import StackResources, cognito_triggers, create_resources
from infra.scheduler import Scheduler
from infra.server import (
    AWS_ENV_KEYS, REGION, EnvPatch, MotoServer, aws_environment, boto_session, start_moto,
)
from infra.stream import PumpResult, StreamPump, sqs_sender, stream_mappings
from infra.template import ROOT, function_environment, load_template, resources_of_type

STACK_NAME = "korpo-local"
STATE_FILE = ROOT / ".local" / "stack.json"  # where `token` finds the running stack
DEFAULT_GATEWAY = "http://127.0.0.1:3000"
_KORPO_PATH = ROOT / "functions" / "korpo"


def _ensure_paths() -> None:
    """The layer's package imports as in Lambda (/opt/python), the repo's infra/ too."""
    for path in (str(_KORPO_PATH), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)


def stack_environment(template: dict[str, Any], refs: dict[str, Any]) -> dict[str, str]:
    """The one environment all functions share in this process.

    Each function's is computed as Lambda would set it (Globals merged with its own). They
    run in one process, so a variable two functions set differently cannot be honoured:
    that raises, rather than one function silently reading the other's value.
    """
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    for logical_id in resources_of_type(template, "AWS::Serverless::Function"):
        for key, value in function_environment(template, logical_id, refs).items():
            if key in merged and merged[key] != value:
                raise ValueError(f"{key} is {merged[key]!r} for {owner[key]} but {value!r} "
                                 f"for {logical_id}: functions share one local process")
            merged[key], owner[key] = value, logical_id
    return merged


@dataclass
class LocalStack:
    """A running local stack. stop() ends every server and thread and restores the env."""
    template: dict[str, Any]
    resources: StackResources
    moto_url: str
    gateway_url: str
    invoker: Invoker
    gateway: Gateway
    environment: dict[str, str] = field(default_factory=dict)  # what the functions get
    pumps: list[StreamPump] = field(default_factory=list)
    # {AWS::Lambda::Url logical id: its URL} (PublicEdge=function-url), and their servers.
    function_urls: dict[str, str] = field(default_factory=dict)
    url_servers: list[FunctionUrl] = field(default_factory=list)
    scheduler: Scheduler | None = None
    cognito_stand_in: CognitoStandIn | None = None  # invitations' e-mails (infra/cognito.py)
    demo_site: Any = None  # infra.demo.static.DemoSite
    demo: Any = None  # infra.demo.seed.DemoData
    demo_share_url: str | None = None
    _moto: Any = None
    _env: Any = None
    _stopped: bool = False

    # ----------------------------------------------------------------- doing things
    def invoke(self, logical_id: str, event: Any = None) -> Any:
        return self.invoker.invoke(logical_id, {} if event is None else event)

    def pump(self) -> dict[str, int]:
        """Deliver what the streams hold now. {"delivered", "filtered", "failed", ...}."""
        total = PumpResult()
        for pump in self.pumps:
            total.add(pump.poll())
        return asdict(total)

    def secret(self, name: str) -> str | None:
        """A secret of this stack (korpo.secrets' names), read from moto's SSM as `make
        secret NAME=… SHOW=1` reads a deployed one."""
        from infra.deploy import secrets as deploy_secrets

        ssm = boto_session(self.resources.region).client("ssm", endpoint_url=self.moto_url)
        return deploy_secrets.read(ssm, self.secrets_path, name)

    @property
    def secrets_path(self) -> str:
        return self.environment["KORPO_SECRETS_PATH"]

    def cognito(self) -> Any:
        return boto_session(self.resources.region).client("cognito-idp",
                                                          endpoint_url=self.moto_url)

    def sign_in(self, email: str, password: str | None = None) -> dict[str, Any]:
        """Tokens for a user of the pool: {"IdToken", "AccessToken", "RefreshToken", ...}."""
        from infra.demo.seed import DEMO_PASSWORD, sign_in

        return sign_in(self.cognito(), self.resources.user_pool_client_id, email,
                       password or DEMO_PASSWORD)

    def info(self) -> dict[str, Any]:
        return {
            "stack_name": self.resources.stack_name, "region": self.resources.region,
            "gateway_url": self.gateway_url, "moto_url": self.moto_url,
            "function_urls": self.function_urls,
            "user_pool_id": self.resources.user_pool_id,
            "user_pool_client_id": self.resources.user_pool_client_id,
            "secrets_path": self.secrets_path,  # SSM parameters (make secret's names)
            "tables": self.resources.tables, "queues": self.resources.queues,
            "streams": self.resources.streams,
            "schedules": {n: asdict(s) for n, s in self.resources.schedules.items()},
            "functions": self.invoker.functions,
            "routes": [r.key + ("" if r.authorizer else "  (public)")
                       for r in self.gateway.routes],
            "demo_site": self.demo_site.url if self.demo_site else None,
            "demo_logins": [{"email": e, "password": p, "admin": a}
                            for e, p, a in (self.demo.logins if self.demo else [])],
            "pid": os.getpid(),
        }

    # ----------------------------------------------------------------- stopping
    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for stopper in ([self.scheduler.stop] if self.scheduler else []) + [
                p.stop for p in self.pumps] + [self.gateway.stop] + [
                u.stop for u in self.url_servers] + (
                [self.demo_site.stop] if self.demo_site else []):
            try:
                stopper()
            except Exception:  # noqa: BLE001 - stop the rest anyway
                traceback.print_exc()
        if self.cognito_stand_in is not None:
            self.cognito_stand_in.uninstall()
        if "infra.faults" in sys.modules:  # a fault never outlives its stack
            sys.modules["infra.faults"].FAULTS.remove()
        if self._moto is not None:
            try:  # moto's state lives in this process: leave none to a later user of moto
                import requests
                requests.post(f"{self.moto_url}/moto-api/reset", timeout=5)
            except Exception:  # noqa: BLE001
                pass
            self._moto.stop()
        if self._env is not None:
            self._env.restore()
        _forget_process_state()
        if "korpo.models" in sys.modules:  # back to the tables the restored env names
            sys.modules["korpo.models"].bind_tables(sys.modules["korpo.settings"].current())
        if STATE_FILE.exists():
            try:
                if json.loads(STATE_FILE.read_text()).get("gateway_url") == self.gateway_url:
                    STATE_FILE.unlink()
            except (OSError, ValueError):
                pass

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _forget_process_state() -> None:
    """Handlers, settings and connections were built from one environment: drop them when
    the environment changes (stack start and stop), as a new Lambda container would."""
    forget_handlers()
    if "korpo.settings" in sys.modules:
        sys.modules["korpo.settings"].current.cache_clear()
    # The shared TransactWrite connection keeps the endpoint it was made with: a test run
    # after the stack would otherwise call a stopped moto.
    base = sys.modules.get("korpo.models.base")
    if base is not None and hasattr(base, "reset_transaction_connection"):
        base.reset_transaction_connection()


MAX_EMAILS_LISTED = 500


def sent_emails(account_id: str, region: str, limit: int = MAX_EMAILS_LISTED,
                cognito: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The last `limit` messages moto's SES kept, oldest first: to, from, subject, body,
    `"via": "ses"`; then the invitations Cognito would have sent (infra/cognito.py), marked
    `"via": "cognito"` with their temporary password.
    Read from moto's backend in this process (the local stack's moto runs here), not from
    /moto-api/data.json: that dumps every service's state, and took over a minute, then
    failed, once the tables held a day of clicks. Local only: in AWS the mail goes out and
    nothing lists it."""
    from moto.ses.models import RawMessage, ses_backends

    messages = list(ses_backends[account_id][region].sent_messages[-limit:])
    out = []
    for message in messages:
        if isinstance(message, RawMessage):  # the programme's e-mails (digest, announcements)
            out.append(_raw_email(message))
        elif hasattr(message, "subject"):
            out.append({"id": message.id, "from": message.source,
                        "to": (message.destinations or {}).get("ToAddresses", []),
                        "subject": message.subject, "body": message.body, "via": "ses"})
    return out + list(cognito or [])[-limit:]


def _raw_email(message: Any) -> dict[str, Any]:
    from email import message_from_string, policy

    parsed = message_from_string(message.raw_data, policy=policy.default)
    part = parsed.get_body(preferencelist=("plain",)) if parsed.is_multipart() else parsed
    # moto lists the To header's addresses and the call's Destinations: each once here.
    return {"id": message.id, "from": message.source,
            "to": list(dict.fromkeys(message.destinations or [])),
            "subject": str(parsed.get("Subject", "")),
            "body": part.get_content() if part is not None else "", "via": "ses"}


def _faults_endpoint(request: Any, reply: Callable[..., Any]) -> Any:
    """AWS faults on demand (infra/faults.py): POST one, GET the list, DELETE them all."""
    from infra.faults import FAULTS, Fault

    if request.method == "POST":
        try:
            fault = Fault.from_json(json.loads(request.body or b"{}"))
        except (ValueError, TypeError) as error:
            return reply(400, {"message": str(error)})
        FAULTS.inject(fault)
        print(f"[faults] injected: {fault.describe()}", flush=True)
    elif request.method == "DELETE":
        FAULTS.remove()
        print("[faults] all removed", flush=True)
    elif request.method != "GET":
        return reply(405, {"message": "GET, POST or DELETE"})
    return reply(200, {"faults": FAULTS.listed()})


def _local_endpoints(stack_ref: list[LocalStack]) -> Callable[[Any], Any]:
    """/_local/...: what the AWS console or CLI would do (invoke, read emails), locally."""
    def reply(status: int, payload: Any, extra: list[tuple[str, str]] | None = None) -> Any:
        return HttpResponse(status, [("content-type", "application/json"), *(extra or [])],
                            json.dumps(payload, default=str, indent=1).encode())

    def handle(request: Any) -> Any:
        stack = stack_ref[0]
        path = request.raw_path.rstrip("/")
        if request.method == "GET" and path == "/_local":
            return reply(200, stack.info())
        if request.method == "POST" and path.startswith("/_local/invoke/"):
            logical_id = path[len("/_local/invoke/"):]
            if logical_id not in stack.invoker.functions:
                return reply(404, {"message": f"no function {logical_id}",
                                   "functions": stack.invoker.functions})
            try:
                event = json.loads(request.body) if request.body.strip() else {}
            except ValueError as error:
                return reply(400, {"message": f"the body must be JSON: {error}"})
            try:
                return reply(200, stack.invoke(logical_id, event))
            except Exception as error:  # noqa: BLE001 - shaped like Lambda's Invoke error
                trace = traceback.format_exc()
                print(f"[invoke] {logical_id} raised:\n{trace}", flush=True)
                return reply(500, {"errorMessage": str(error),
                                   "errorType": type(error).__name__,
                                   "stackTrace": trace.splitlines()},
                             [("x-amz-function-error", "Unhandled")])
        if request.method == "POST" and path == "/_local/pump":
            return reply(200, stack.pump())
        if path == "/_local/faults":
            return _faults_endpoint(request, reply)
        if request.method == "GET" and path == "/_local/emails":
            from urllib.parse import parse_qs

            raw = (parse_qs(request.query).get("limit") or [str(MAX_EMAILS_LISTED)])[0]
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_EMAILS_LISTED:
                return reply(400, {"message": f"limit: 1 to {MAX_EMAILS_LISTED}"})
            invitations = stack.cognito_stand_in.emails() if stack.cognito_stand_in else []
            return reply(200, {"emails": sent_emails(stack.resources.account_id,
                                                     stack.resources.region, int(raw),
                                                     invitations)})
        if path.startswith("/_local"):
            return reply(404, {"message": "Not Found", "local": [
                "GET /_local", "POST /_local/invoke/<FunctionLogicalId>", "POST /_local/pump",
                "GET /_local/emails", "GET|POST|DELETE /_local/faults"]})
        return None

    return handle


def start(port: int = 3000, moto_port: int = 5000, seed: bool = True, background: bool = True,
          *, stack_name: str = STACK_NAME, parameters: dict[str, Any] | None = None,
          secrets: dict[str, str] | None = None, auto: bool = True, quiet: bool = False,
          pump_interval_s: float = 1.0, write_state: bool | None = None) -> LocalStack:
    """Start everything; returns the running LocalStack (background=True) or serves until
    Ctrl-C and returns it stopped (background=False).

    port / moto_port: 0 for any free port; a taken port falls back to a free one.
    seed: the demo brand (site, feeds, employees, rewards, challenge, a first poll, a link).
    auto: run the scheduler and the stream pump threads (off: only on demand, /_local/...).
    parameters: template parameter overrides, e.g. {"PointsPerClick": 5}.
    secrets: values of secrets, e.g. {"slack-webhook-url": "https://…"}; the required ones
    not given are random, as `make deploy` makes them.
    """
    _ensure_paths()
    started = time.monotonic()
    log = (lambda _msg: None) if quiet else (lambda msg: print(msg, flush=True))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines

    env = EnvPatch()
    moto = start_moto(moto_port)
    try:
        stack = _start(moto, env, port, seed, auto, stack_name, parameters or {},
                       secrets or {}, pump_interval_s, log)
    except BaseException:
        moto.stop()
        env.restore()
        _forget_process_state()
        raise
    if write_state if write_state is not None else not background:
        STATE_FILE.parent.mkdir(exist_ok=True)
        STATE_FILE.write_text(json.dumps(stack.info(), indent=1))
    if not quiet:
        print(banner(stack, time.monotonic() - started), flush=True)
    if background:
        return stack
    _serve_until_interrupted(stack)
    return stack


LOCAL_SENDER_EMAIL = "korpo@example.com"


def _start(moto: MotoServer, env: EnvPatch, port: int, seed: bool, auto: bool,
           stack_name: str, parameters: dict[str, Any], secrets: dict[str, str],
           pump_interval_s: float, log: Callable[[str], None]) -> LocalStack:
    region = REGION
    # 1. Every AWS client of this process (boto3, PynamoDB) talks to moto, with fake keys.
    #    Service-specific endpoint variables and profiles would win over ours: drop them.
    drop = tuple(k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_")) + tuple(
        k for k in AWS_ENV_KEYS if k not in aws_environment(moto.url, region)) + (
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",)
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1",
                                      "localhost"]))
    env.set({**aws_environment(moto.url, region), "NO_PROXY": no_proxy, "no_proxy": no_proxy,
             # The demo brand's feeds are served on 127.0.0.1, which poll_feeds' SSRF guard
             # refuses in production. Only the local stack (and tests) set this switch;
             # template.yaml never does. Link-local/metadata addresses stay refused.
             "KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS": "1"},
            drop=drop)

    # 2. The template's resources, in moto.
    template = load_template()
    session = boto_session(region)
    if "SenderEmail" in template.get("Parameters", {}):
        # The winners' announcement is sent locally too (moto keeps it: GET /_local/emails).
        parameters = {"SenderEmail": LOCAL_SENDER_EMAIL, **parameters}
    resources = create_resources(session, template, stack_name, parameters)
    # A function URL is a host of its own: its port is known before the environment that
    # names it (PublicEdge=function-url: share links point there).
    invoker = Invoker(template, names=resources.functions, region=region)
    urls = []
    for url_id, function in function_urls(template, resources.refs).items():
        url = FunctionUrl(function, f"local{url_id.lower()}", invoker.invoke, log=log)
        resources.refs[f"{url_id}.FunctionUrl"] = f"http://127.0.0.1:{url.bind(0)}/"
        urls.append(url)

    # 3. The functions' environment, then the secrets where it says they are (SecureString
    #    parameters in moto's SSM, made by the deployer's own step), then settings and models
    #    rebound to it: the functions read the secrets as deployed (korpo/secrets.py).
    environment = stack_environment(template, resources.refs)
    env.set(environment)
    _put_secrets(session.client("ssm"), environment["KORPO_SECRETS_PATH"], secrets)
    _forget_process_state()
    from korpo import settings
    from korpo.models import bind_tables
    settings.current.cache_clear()
    bind_tables(settings.current())

    # 4. The handlers, the gateway in front of them, the stream pumps behind.
    holder: list[LocalStack] = []
    gateway = Gateway(
        http_routes(template),
        jwt_authorizers(template, resources, lambda issuer: jwks_url_for(moto.url, issuer)),
        invoker.invoke, api_id=next(iter(resources.http_apis.values()), "local"),
        account_id=resources.account_id, local=_local_endpoints(holder), log=log)
    gateway_port = gateway.bind(port)
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    sqs = session.client("sqs")
    streams = session.client("dynamodbstreams")
    pumps = [StreamPump(mapping, streams,
                        (lambda event, fn=mapping.function: invoker.invoke(fn, event)),
                        sqs_sender(sqs), region, resources.function_arn(mapping.function),
                        log=log)
             for mapping in stream_mappings(template, resources)]
    stack = LocalStack(template=template, resources=resources, moto_url=moto.url,
                       gateway_url=gateway_url, invoker=invoker, gateway=gateway,
                       environment=environment, pumps=pumps, _moto=moto, _env=env,
                       url_servers=urls,
                       function_urls={u: resources.refs[f"{u}.FunctionUrl"]
                                      for u in function_urls(template, resources.refs)})
    holder.append(stack)
    try:
        stack.cognito_stand_in = _cognito_stand_in(template, resources, invoker, log)
        gateway.serve_in_background()
        for url in urls:
            url.serve_in_background()
        if seed:
            _seed_demo(stack, session, log)
        if auto:
            for pump in pumps:
                pump.start(pump_interval_s, marker=_stream_marker(resources, pump.mapping))
            stack.scheduler = Scheduler(list(resources.schedules.values()), invoker.invoke,
                                        log=log)
            stack.scheduler.start()
    except BaseException:
        stack._moto = None  # start() stops moto and restores the env
        stack._env = None
        stack.stop()
        raise
    return stack


def _cognito_stand_in(template: dict[str, Any], resources: StackResources, invoker: Invoker,
                      log: Callable[[str], None]) -> CognitoStandIn:
    """Cognito's invitations (temporary password, the CustomMessage trigger, the e-mail) and
    its refusal of SignUp when only admins create users: moto does neither."""
    custom_message = cognito_triggers(template).get("CustomMessage")
    trigger = (lambda event: invoker.invoke(custom_message, event)) if custom_message else None
    sender = resources.parameters.get("SenderEmail") or None
    stand_in = CognitoStandIn(log=log)
    for pool_id in resources.user_pools.values():
        stand_in.add_pool(pool_id, trigger, sender=sender, region=resources.region)
    return stand_in.install()


def _put_secrets(ssm: Any, path: str, given: dict[str, str]) -> None:
    """The secrets given, then the required ones `make deploy` would create (random)."""
    from infra.deploy import secrets as deploy_secrets

    for name, value in given.items():
        deploy_secrets.put(ssm, path, name, value)
    deploy_secrets.ensure_required(ssm, path)


def _stream_marker(resources: Any, mapping: Any) -> Callable[[], Any] | None:
    """How many records moto's shard holds, read from moto's backend in this process.

    The pump's thread reads the stream only when this changes: each read through the API
    leaves shard iterators in moto's memory for good (about 1 KB each), which would grow
    by hundreds of MB a day at one read a second. None (always read) if moto's internals
    are not as expected.
    """
    table = next((name for logical, name in resources.tables.items()
                  if resources.streams.get(logical) == mapping.stream_arn), None)
    try:
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[resources.account_id][resources.region]
        backend.get_table(table).stream_shard.items  # noqa: B018 - probe once
    except Exception:  # noqa: BLE001
        return None

    def marker() -> Any:
        shard = backend.get_table(table).stream_shard
        return (id(shard), len(shard.items)) if shard else None
    return marker


def _seed_demo(stack: LocalStack, session: Any, log: Callable[[str], None]) -> None:
    """The demo brand, then what a first visit would do: a poll, and a share link."""
    import requests

    from infra.demo.seed import DEMO_PASSWORD, seed
    from infra.demo.static import DemoSite

    resources = stack.resources
    stack.demo_site = DemoSite()
    stack.demo_site.serve_in_background()
    domain = resources.parameters["AllowedEmailDomains"].split(",")[0].strip()
    admin_group = next(iter(resources.groups.values()), "admins")
    stack.demo = seed(session.client("cognito-idp"), resources.user_pool_id, domain,
                      stack.demo_site.feed_urls, admin_group=admin_group)
    poll = next((f for f in stack.invoker.functions if "Poll" in f), None)
    if poll is None:
        return
    try:
        log(f"[demo] first poll: {json.dumps(_short(stack.invoke(poll, {'source': 'schedule'})))}")
        email = stack.demo.logins[0][0]
        token = stack.sign_in(email, DEMO_PASSWORD)["IdToken"]
        auth = {"Authorization": f"Bearer {token}"}
        posts = requests.get(f"{stack.gateway_url}/posts", headers=auth, timeout=30)
        posts.raise_for_status()
        first = posts.json()["posts"][0]
        share = requests.post(f"{stack.gateway_url}/posts/{first['post_id']}/share",
                              headers=auth, json={"network": "linkedin"}, timeout=30)
        share.raise_for_status()
        stack.demo_share_url = share.json()["url"]
    except Exception:  # noqa: BLE001 - the stack is still useful without the demo link
        log(f"[demo] could not make the demo share link:\n{traceback.format_exc()}")


def _short(report: Any) -> Any:
    if isinstance(report, dict):
        return {k: v for k, v in report.items() if not isinstance(v, (list, dict))}
    return report


def banner(stack: LocalStack, took_s: float) -> str:
    g, m = stack.gateway_url, stack.moto_url
    lines = [
        "",
        f"Korpo local stack is up ({took_s:.1f} s) — stack {stack.resources.stack_name}, "
        f"region {stack.resources.region}",
        f"  web app (open it in a browser)    {g}/",
        f"  API (the template's HTTP routes)  {g}",
        f"  moto (AWS services)               {m}",
    ]
    if stack.demo_site:
        lines.append(f"  demo brand site and feeds         {stack.demo_site.url}/feeds/")
        lines.append(f"  a site to add as a channel       {stack.demo_site.careers_url}  "
                     "(in /manage/channels)")
    if stack.demo:
        lines += ["", "Demo employees (Cognito users, password for all: "
                  f"{stack.demo.logins[0][1] if stack.demo.logins else '-'}):"]
        lines += [f"  {email}{'  (admin)' if admin else ''}"
                  for email, _pw, admin in stack.demo.logins]
        domain = stack.resources.parameters["AllowedEmailDomains"].split(",")[0].strip()
        if stack.resources.parameters.get("SignUp") == "open":
            lines += ["", f"Or sign up at {g}/signup with any @{domain} address: locally no "
                      "e-mail is sent and any confirmation code works (moto accepts every "
                      "code)."]
        else:
            lines += ["", f"Sign-up is by invitation (SignUp=invite): as an admin, invite any "
                      f"@{domain} address at {g}/manage/employees/invite; the invitation and "
                      f"its temporary password are printed here and at {g}/_local/emails. "
                      "(--param SignUp=open opens /signup.)"]
        first = stack.demo.logins[0][0] if stack.demo.logins else "ann@example.com"
        lines += [
            "",
            "Call the API as an employee:",
            f"  TOKEN=$({_python()} -m infra.local_stack token {first} --gateway {g})",
            f"  curl -s {g}/me -H \"Authorization: Bearer $TOKEN\"",
            f"  curl -s {g}/posts -H \"Authorization: Bearer $TOKEN\"",
            f"  curl -s {g}/board -H \"Authorization: Bearer $TOKEN\"",
        ]
        if stack.demo_share_url:
            lines += ["", f"A share link of {first} (open it, then watch the board):",
                      f"  {stack.demo_share_url}"]
    secret = stack.secret("conversion-secret")
    if secret:  # random for each local stack, in moto's SSM as make deploy makes it
        lines += ["", "Conversion secret of this stack (signs POST /conversions; README "
                  "shows how):", f"  {secret}"]
    lines += ["", "Fire a function by hand (the body is its event):"]
    # The console test events of events/, the same an admin pastes in the Lambda console.
    examples = {"PollFeedsFunction": "poll_feeds/all_force.json",
                "TrackClickFunction": "track_click/follow_link.json",
                "AwardPointsFunction": "award_points/click_inserted.json",
                "ResetMonthlyFunction": "reset_monthly/dry_run.json",
                "ApiFunction": "api/get_me.json",
                "WebFunction": "web/signin_page.json"}
    for fn in stack.invoker.functions:
        body = f"@events/{examples[fn]}" if fn in examples else "{}"
        lines.append(f"  curl -s -X POST {g}/_local/invoke/{fn} -d {body}")
    lines += [
        f"  curl -s -X POST {g}/_local/pump      # deliver the Events stream now",
        "",
        "Schedules fire on their own: "
        + ", ".join(f"{s.name} {s.expression}" for s in stack.resources.schedules.values()),
        f"Sent emails (SES, and Cognito's invitations): {g}/_local/emails  (all of moto's "
        f"data: {m}/moto-api/data.json)",
        f"Stack details: {g}/_local",
        "Stop: Ctrl-C",
        "",
    ]
    return "\n".join(lines)


def _python() -> str:
    """This interpreter, as short as it can be written from the current directory."""
    try:
        return os.path.relpath(sys.executable) if not os.path.relpath(
            sys.executable).startswith("../..") else sys.executable
    except ValueError:
        return sys.executable


def _serve_until_interrupted(stack: LocalStack) -> None:
    done = threading.Event()
    try:
        import signal
        signal.signal(signal.SIGTERM, lambda *_: done.set())
    except ValueError:  # not the main thread
        pass
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("\nStopping the local stack…", flush=True)
        stack.stop()
        print("Stopped.", flush=True)


# ------------------------------------------------------------------ the `token` command

def token_command(email: str, password: str | None, kind: str, gateway: str | None,
                  state_file: Path) -> int:
    """Sign in against a running stack's user pool and print one token.

    The stack is found through its gateway (GET /_local) when --gateway is given, else
    through the state file the last `make run` wrote, else on the default port.
    """
    import requests

    try:
        if not gateway and state_file.exists():
            state = json.loads(state_file.read_text())
        else:
            gateway = gateway or DEFAULT_GATEWAY
            state = requests.get(f"{gateway.rstrip('/')}/_local", timeout=10).json()
    except (OSError, ValueError, requests.RequestException) as error:
        print(f"no running local stack found ({gateway or state_file}: {error}); start it "
              "with `make run`", file=sys.stderr)
        return 1
    import boto3

    from infra.demo.seed import DEMO_PASSWORD, sign_in

    cognito = boto3.session.Session(
        region_name=state["region"], aws_access_key_id="local",
        aws_secret_access_key="local").client("cognito-idp", endpoint_url=state["moto_url"])
    try:
        tokens = sign_in(cognito, state["user_pool_client_id"], email, password or DEMO_PASSWORD)
    except Exception as error:  # noqa: BLE001 - say it plainly
        print(f"sign-in failed for {email}: {error}", file=sys.stderr)
        return 1
    print(tokens["AccessToken" if kind == "access" else "IdToken"])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local_stack",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    token = sub.add_parser("token", help="print an id token for a user of the running stack")
    token.add_argument("email")
    token.add_argument("--password", help="default: the demo password")
    token.add_argument("--access", action="store_true", help="the access token instead")
    token.add_argument("--gateway", help="the stack's API URL (default: the last one started)")
    token.add_argument("--state", type=Path, default=STATE_FILE, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=3000, help="API port (default 3000)")
    parser.add_argument("--moto-port", type=int, default=5000, help="moto port (default 5000)")
    parser.add_argument("--no-seed", action="store_true", help="no demo data")
    parser.add_argument("--no-auto", action="store_true",
                        help="no scheduler or stream pump threads (use /_local/...)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="template parameter override, e.g. --param PointsPerClick=5")
    args = parser.parse_args(argv)
    _ensure_paths()
    if args.command == "token":
        return token_command(args.email, args.password, "access" if args.access else "id",
                             args.gateway, args.state)
    overrides = dict(p.split("=", 1) for p in args.param)
    start(args.port, args.moto_port, seed=not args.no_seed, background=False,
          auto=not args.no_auto, parameters=overrides)
    return 0


if __name__ == "__main__":
    sys.exit(main())
