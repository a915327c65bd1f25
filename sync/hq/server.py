"""HQ's HTTP server (FastAPI): what booths call. Administration stays on the command line.

    GET  /v1/time                 {"hq_time": int}                                            open
    GET  /v1/root                 {"root_public_key", "root_fingerprint"}: HQ's public root   open
    POST /v1/enrol                one-time token + the booth's public key -> HQ root key      open
    POST /v1/batches              a signed batch (octet-stream) -> the signed receipt (application/cose);
                                  429 + Retry-After past the per-booth and global limits (sync.hq.limits)
    GET  /v1/receipts/{booth_id}  the latest receipt of the calling booth (no other's)
    GET  /v1/records/{booth_id}?from=N&limit=M  the calling booth's own records from N (at most
                                  M <= 5000), unsigned: a booth restored from a backup takes back
                                  what HQ holds, trusting only the chain and the signed receipt
    GET  /v1/bundle?have=N        the latest trust bundle if newer than N (and the watchlist key), else 304
    POST /v1/head                 nothing: the call reports the booth's head -> {"booth_id", "acked_seq"}

Every route but the open two needs a ``Booth-Request`` header signed by an enrolled booth
(``sync.protocol.request_auth``; the ``booth_call`` dependency checks it before the handler
runs, and the store records its nonce and the head it reports).

With ``dashboard`` (the default) the same server serves HQ staff's web pages at ``/``
(``sync.hq.dashboard.web``), and it runs the integrity analytics every minute.

A receipt (and ``X-Acked-Seq``) acknowledges the batch sent, up to its last record: for a
re-sent old batch that is below what HQ holds; ``/v1/receipts/{booth_id}`` has the newest.
Every error is JSON with a ``reason``; nothing a client sends yields a 500. Bodies are read
with a cap, never buffered beyond it. Handlers are thin: the store decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from sync.hq.bundles import BundleKeeper
from sync.hq.errors import EnrolmentRefused, RequestRefused, SyncRefused, UnknownRecord
from sync.hq.facade import HQ
from sync.hq.limits import BatchGate, BatchLimits, TooBusy
from sync.hq.paths import HQPaths
from sync.hq.routes import guarded_route
from sync.hq.signers import RENEW_BEFORE, OnlineSigner
from sync.hq.store import SyncStore
from sync.protocol import keys
from sync.protocol.batch import MAX_RECORDS, MAX_WIRE, RECORDS_TYPE, BatchRefused, make_batch, pack_records, peek_kid
from sync.protocol.errors import KeyFileError, SignedRequestRefused
from sync.protocol.request_auth import HEADER, MAX_HEADER, WINDOW, SignedRequest, body_digest, evidence, open_request
from sync.protocol.watchlist import WatchlistKey

log = logging.getLogger(__name__)
COSE = "application/cose"
MAX_JSON = 16 * 1024
WATCHLIST_KEY_HEADER = "X-Watchlist-Key"
_STATUS = {
    "gap": 409,
    "fork": 409,
    "suspended": 409,
    "unenrolled": 403,
    "revoked": 403,
    "bad_signature": 403,
    "replayed": 403,
    "too_large": 413,
}
_REQUEST_STATUS = {"header_too_large": 431, "update_booth": 426}
MAX_SEQ = (
    2**62
)  # the largest sequence number a query may name (the database's BIGINT)  # the other refusals of a signed request: 403


class Problem(BaseModel):
    reason: str
    detail: str | None = None
    acked_seq: int | None = None


class HQTime(BaseModel):
    hq_time: int


class HQRoot(BaseModel):
    root_public_key: str
    root_fingerprint: str


class HeadHeard(BaseModel):
    booth_id: str
    acked_seq: int  # HQ holds the booth's records up to here


class EnrolRequest(BaseModel):
    booth_id: str = Field(max_length=64)
    token: str = Field(max_length=128)
    public_key: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="hex of the raw 32-byte Ed25519 key")


class EnrolAnswer(BaseModel):
    booth_id: str
    checkpoint: str
    root_public_key: str
    root_fingerprint: str
    hq_time: int
    watchlist_key: str = Field(description="hex of HQ's 32-byte secret watchlist key: the bundle's watchlist hashes")


class ApiError(RequestRefused):
    """A booths' API request refused; its handler answers ``status`` with ``problem`` as JSON."""

    def __init__(
        self,
        status: int,
        reason: str,
        detail: str | None = None,
        acked_seq: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, detail or reason)
        self.problem = Problem(reason=reason, detail=detail, acked_seq=acked_seq)
        self.headers = headers


@dataclass
class Services:
    data_dir: Path
    store: SyncStore
    bundles: BundleKeeper
    clock: Callable[[], int]
    max_body: int
    gate: BatchGate
    passphrase: bytes | None = None  # of HQ's encrypted keys, read once when the server starts
    _signer: tuple[object, int, OnlineSigner] | None = None  # (certificate file's identity, loaded at, signer)

    def hq(self) -> HQ:
        return HQ(self.data_dir, sync_store=self.store, passphrase=self.passphrase)

    def root_public(self) -> bytes:
        return self.hq().signers.root_public()

    def signer(self) -> OnlineSigner:
        """HQ's online signer, loaded again only when its certificate file changed (a ceremony
        installed a new one, a local root renewed it)."""
        paths = HQPaths(self.data_dir)
        try:
            st = paths.signer_cert.stat()
            stamp: object = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        now = self.clock()
        if self._signer is None or self._signer[0] != stamp or self._renew_due(*self._signer[1:], now):
            self._signer = (stamp, now, self.hq().signers.ensure(now=now))
        return self._signer[2]

    @staticmethod
    def _renew_due(loaded_at: int, signer: OnlineSigner, now: int) -> bool:
        """Near its end, ask again (a local root renews it; else HQ's log warns), once a minute at most."""
        return signer.cert.not_after - now < RENEW_BEFORE and now - loaded_at >= 60

    def watchlist_key(self) -> WatchlistKey:
        return HQ(self.data_dir).watchlist_key()


def services(request: Request) -> Services:
    return request.app.state.services


Svc = Annotated[Services, Depends(services)]


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": Problem} for status in statuses}


def _problem(status: int, problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem.model_dump(exclude_none=True), status_code=status, headers=headers)


async def _internal(_request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error", exc_info=exc)
    return _problem(500, Problem(reason="internal"))


_BINARY = {"schema": {"type": "string", "format": "binary"}}


# -- booth-signed requests


@dataclass(frozen=True)
class BoothCall:
    """A request a booth signed, checked: who, what it said (head included), and its body."""

    signed: SignedRequest
    body: bytes

    @property
    def booth_id(self) -> str:
        return self.signed.booth_id


async def booth_call(
    request: Request,
    svc: Svc,
    booth_request: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="base64url COSE_Sign1 by the booth's key over the request (docs/formats.md, Signed requests)",
        ),
    ] = None,
) -> BoothCall:
    """The dependency of every booth route: the ``Booth-Request`` header checked, else a Problem."""
    if not booth_request:
        raise ApiError(403, "unsigned", f"this call needs a {HEADER} header signed by an enrolled booth")
    if len(booth_request) > MAX_HEADER:
        raise ApiError(431, "header_too_large", f"the {HEADER} header is limited to {MAX_HEADER} characters")
    now = svc.clock()
    signed = await run_in_threadpool(_open_call, svc, request.method, _target(request), booth_request, now)
    body = await read_body(request, svc.max_body)  # only for a booth that signed this request
    if signed.body_sha256 != body_digest(body):
        raise ApiError(403, "wrong_body", "the body is not the one signed")
    await run_in_threadpool(svc.store.hear, signed, evidence(booth_request), now)
    return BoothCall(signed, body)


def _target(request: Request) -> str:
    """The path and query exactly as sent (what the booth signed)."""
    path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    return (path + (b"?" + query if query else b"")).decode("latin-1")


def _open_call(svc: Services, method: str, target: str, value: str, now: int) -> SignedRequest:
    """The header checked: signed by an enrolled booth's key, for this request, at about HQ's time."""
    signer: list[str] = []

    def key_of(kid: bytes) -> Any:
        known = svc.store.key_of_kid(kid)  # revoked? the store's ``hear`` reads it with the booth's row held
        if known is None:
            raise SignedRequestRefused("unenrolled", f"no enrolled booth has key id {kid.hex()}")
        signer.append(known[0])
        return keys.public_from_raw(known[1])

    try:
        signed = open_request(value, key_of)
    except SignedRequestRefused as exc:
        raise ApiError(_REQUEST_STATUS.get(exc.reason, 403), exc.reason, exc.detail) from None
    for wrong, reason, detail in (
        (signed.booth_id != signer[0], "bad_request_signature", "signed by another booth's key"),
        (signed.method != method or signed.path != target, "wrong_request", "signed for another request"),
        (abs(signed.t - now) > WINDOW, "stale_time", f"signed at {signed.t}, HQ time is {now} (see /v1/time)"),
    ):
        if wrong:
            raise ApiError(403, reason, detail)
    return signed


Caller = Annotated[BoothCall, Depends(booth_call)]
_SIGNED = (400, 403, 409, 426, 431)  # what a signed route may answer besides its own
router = APIRouter(prefix="/v1", route_class=guarded_route(_internal, ApiError, BatchRefused))


@router.get("/time", response_model=HQTime)
async def get_time(svc: Svc) -> HQTime:
    # On the event loop, not the thread pool that batch work may be filling: the clock stays quick.
    return HQTime(hq_time=svc.clock())


@router.get("/root", response_model=HQRoot)
def get_root(svc: Svc) -> HQRoot:
    """HQ's root public key, for an operator to compare before enrolling (public; the bundle is not)."""
    root = svc.root_public()
    return HQRoot(root_public_key=root.hex(), root_fingerprint=keys.fingerprint(root))


@router.post(
    "/enrol",
    response_model=EnrolAnswer,
    responses=_problems(400, 403, 413),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": EnrolRequest.model_json_schema()}}}
    },
)
async def enrol(request: Request, svc: Svc) -> EnrolAnswer:
    body = await read_body(request, MAX_JSON)
    try:
        asked = EnrolRequest.model_validate_json(body)
    except ValidationError as exc:
        raise ApiError(400, "bad_format", _first_error(exc)) from None
    return await run_in_threadpool(_enrol, svc, asked)


def _enrol(svc: Services, asked: EnrolRequest) -> EnrolAnswer:
    now = svc.clock()
    try:
        booth = svc.store.enrol(asked.booth_id, asked.token, bytes.fromhex(asked.public_key), now=now)
    except EnrolmentRefused:
        log.warning("enrolment refused for %r", asked.booth_id)
        raise ApiError(403, "bad_token") from None
    except KeyFileError as exc:
        raise ApiError(400, "bad_format", str(exc)) from None
    root = svc.root_public()
    return EnrolAnswer(
        booth_id=booth.booth_id,
        checkpoint=booth.checkpoint,
        root_public_key=root.hex(),
        root_fingerprint=keys.fingerprint(root),
        hq_time=now,
        watchlist_key=svc.watchlist_key().hex(),
    )


@router.post(
    "/batches",
    response_class=Response,
    responses={
        200: {
            "content": {COSE: _BINARY},
            "description": "the receipt, signed by HQ's online signer (its root certificate inside)",
            "headers": {"X-Acked-Seq": {"schema": {"type": "integer"}, "description": "sequence acknowledged"}},
        },
        **_problems(*_SIGNED, 413),
        429: {
            "model": Problem,
            "description": "busy or rate limited: try again after Retry-After seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
    openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": _BINARY}}},
)
async def post_batch(call: Caller, svc: Svc) -> Response:
    wire = call.body  # read (with the cap) and checked against the signed header by ``booth_call``
    kid = peek_kid(wire)  # from the envelope alone: who to count it against, before any work
    if kid != call.signed.kid:
        raise ApiError(403, "bad_signature", "the batch is not signed by the booth that sent it")
    try:
        with svc.gate.admit(kid) as refund:
            try:
                result = await run_in_threadpool(svc.store.accept_batch, wire, svc.clock(), svc.signer())
            except BatchRefused as exc:
                refund(exc.reason)
                raise
    except TooBusy as exc:
        raise ApiError(429, exc.reason, exc.detail, headers={"Retry-After": str(exc.retry_after)}) from None
    return Response(result.receipt, media_type=COSE, headers={"X-Acked-Seq": str(result.acked_seq)})


@router.post("/head", response_model=HeadHeard, responses=_problems(*_SIGNED, 413))
def post_head(call: Caller, svc: Svc) -> HeadHeard:
    """Nothing but the signed header: the booth's head, heard (``booth_call`` recorded it)."""
    try:
        acked = svc.store.booth(call.booth_id).acked_seq
    except UnknownRecord:  # deleted meanwhile: as if never enrolled
        raise ApiError(403, "unenrolled") from None
    return HeadHeard(booth_id=call.booth_id, acked_seq=acked)


@router.get(
    "/receipts/{booth_id}",
    response_class=Response,
    responses={200: {"content": {COSE: _BINARY}}, **_problems(*_SIGNED, 404, 413)},
)
def get_receipt(booth_id: str, call: Caller, svc: Svc) -> Response:
    if booth_id != call.booth_id:  # a booth's activity is its own business
        raise ApiError(403, "not_yours", "a booth reads only its own receipts")
    receipt = svc.store.latest_receipt(booth_id)
    if receipt is None:
        raise ApiError(404, "not_found", f"no receipt for booth {booth_id!r}")
    return Response(receipt, media_type=COSE)


@router.get(
    "/records/{booth_id}",
    response_class=Response,
    responses={
        200: {"content": {RECORDS_TYPE: _BINARY}, "description": "zlib of CBOR [header, records], unsigned"},
        **_problems(*_SIGNED, 404, 413),
    },
)
def get_records(
    booth_id: str,
    call: Caller,
    svc: Svc,
    first: Annotated[int, Query(alias="from", ge=1, le=MAX_SEQ, description="the first sequence wanted")],
    limit: Annotated[int, Query(ge=1, le=MAX_RECORDS, description="at most this many records")] = MAX_RECORDS,
) -> Response:
    """The calling booth's records from ``from``: what a booth restored from a backup takes back.

    Not signed: the booth re-hashes the chain from its own record before ``from`` and checks it
    ends at the head of HQ's signed receipt. Fewer records than asked when they would inflate
    past the batch cap; the booth asks again from the next one."""
    if booth_id != call.booth_id:
        raise ApiError(403, "not_yours", "a booth reads only its own records")
    held = list(svc.store.records(booth_id, first, first + limit - 1))
    if not held or held[0].seq != first:
        raise ApiError(404, "not_found", f"HQ holds no record {first} of booth {booth_id!r}")
    while True:
        try:
            data = pack_records(make_batch(held))
            break
        except BatchRefused:
            if len(held) == 1:
                raise
            held = held[: len(held) // 2]
    return Response(data, media_type=RECORDS_TYPE, headers={"X-Last-Seq": str(held[-1].seq)})


@router.get(
    "/bundle",
    response_class=Response,
    responses={
        200: {
            "content": {COSE: _BINARY},
            "description": "the latest trust bundle",
            "headers": {
                "X-Bundle-Version": {"schema": {"type": "integer"}},
                WATCHLIST_KEY_HEADER: {
                    "schema": {"type": "string"},
                    "description": "hex of HQ's secret watchlist key, which the bundle's watchlist hashes need",
                },
            },
        },
        304: {"description": "the booth has this version or a newer one"},
        **_problems(*_SIGNED, 404, 413),
    },
)
def get_bundle(
    _call: Caller,
    svc: Svc,
    have: Annotated[int, Query(description="the bundle version the booth has")] = 0,
    statement: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="the root statement serial of the booth's bundle (0: none)")
    ] = 0,
) -> Response:
    current = svc.bundles.current(svc.clock())
    if current is None:
        raise ApiError(404, "no_bundle", "HQ has not built a trust bundle yet (booth-hq bundle build)")
    bundle, data = current
    # A newer root statement goes out whatever version the booth holds (a revoked signer's far-ahead
    # bundle must not keep it from HQ's: booth.trust.fresher_statement).
    newer_statement = bundle.statement is not None and statement and bundle.statement.serial > statement
    if bundle.version <= have and not newer_statement:
        return Response(status_code=304)
    # The key goes with the bundle because this route answers only enrolled booths (their signed
    # request header, ``booth_call``); the bundle alone, on a stick, reads as hashes.
    headers = {"X-Bundle-Version": str(bundle.version), WATCHLIST_KEY_HEADER: svc.watchlist_key().hex()}
    return Response(data, media_type=COSE, headers=headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "bad_format", "Content-Length is not a number")
        if int(declared) > limit:
            raise ApiError(413, "too_large", f"the limit is {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "too_large", f"the limit is {limit} bytes")
    return bytes(body)


def _first_error(exc: ValidationError | RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid request"
    first = errors[0]
    return f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg', 'invalid')}"


# -- errors: always JSON with a reason


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _problem(exc.status, exc.problem, exc.headers)


async def _refused(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BatchRefused)
    log.info("batch refused: %s", exc)
    acked = exc.acked_seq if isinstance(exc, SyncRefused) else None
    return _problem(_STATUS.get(exc.reason, 400), Problem(reason=exc.reason, detail=exc.detail, acked_seq=acked))


def _for_people(request: Request) -> bool:
    """A dashboard page (not the booths' API) when the dashboard is served: errors as HTML."""
    return not request.url.path.startswith("/v1/") and hasattr(request.app.state, "dashboard")


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _for_people(request):
        from sync.hq.dashboard.web import error_page

        return error_page(request, 400, "That address is not one this dashboard understands.")
    return _problem(400, Problem(reason="bad_format", detail=_first_error(exc)))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _for_people(request):
        from sync.hq.dashboard.web import error_page

        message = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, message)
    reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return _problem(exc.status_code, Problem(reason=reason, detail=str(exc.detail)), dict(exc.headers or {}))


def analyse_once(hq_data_dir: Path, store: SyncStore, now: int) -> int:
    """One run of the integrity analytics (incremental); how many new alerts it raised."""
    from sync.hq.analytics.incremental import analyse

    hq = HQ(hq_data_dir, sync_store=store)
    try:  # the registry stays open while the analysis asks it which permits were registered
        found = analyse(store, now, revoked=hq.revoked_permits(), single=hq.single_entry_permits(), issued=hq.issued())
    finally:
        hq.close()
    return sum(r.raised for r in found)


async def _analyse_forever(hq_data_dir: Path, store: SyncStore, clock: Callable[[], int], every: float) -> None:
    while True:
        await asyncio.sleep(every)  # first serve: a restart must not wait on a full analysis
        try:
            raised = await run_in_threadpool(analyse_once, hq_data_dir, store, clock())
            if raised:
                log.warning("analytics raised %d new alert(s)", raised)
        except Exception:
            log.exception("analytics run failed")


def create_app(
    hq_data_dir: Path,
    database_url: str | None = None,
    *,
    max_body: int = MAX_WIRE,
    clock: Callable[[], int] | None = None,
    dashboard: bool = True,
    analyse_every: float = 60,
    trust_proxy: bool = False,
    batch_limits: BatchLimits | None = None,
    passphrase: bytes | None = None,
) -> FastAPI:
    """The HQ server over ``hq_data_dir`` (root key, registry, bundles) and the sync database.

    ``dashboard``: also serve the staff dashboard (``sync.hq.dashboard.web``); ``analyse_every``:
    run the integrity analytics that often (seconds; 0: never) so alerts and figures stay fresh;
    ``trust_proxy``: believe ``X-Forwarded-Proto`` from a TLS-terminating proxy (secure cookies);
    ``batch_limits``: per-booth and global limits on ``POST /v1/batches`` (``sync.hq.limits``);
    ``passphrase``: that of an encrypted root key, kept in memory while the server runs.
    """
    hq_data_dir = Path(hq_data_dir)
    starting = HQ(hq_data_dir, passphrase=passphrase)
    starting.signers.ensure(now=int(time.time()))  # fail now (no HQ, wrong passphrase), not at the first request
    starting.close()
    store = SyncStore.open(hq_data_dir, database_url)
    clock = clock or (lambda: int(time.time()))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = None
        if analyse_every:
            task = asyncio.create_task(_analyse_forever(hq_data_dir, store, clock, analyse_every))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        store.close()

    app = FastAPI(
        title="Booth HQ",
        version="1",
        lifespan=lifespan,
        description="Booth sync: enrolment, signed batches and receipts, trust bundles.",
    )
    app.state.services = Services(
        hq_data_dir,
        store,
        BundleKeeper(hq_data_dir, store, passphrase),
        clock,
        max_body,
        BatchGate(batch_limits or BatchLimits()),
        passphrase,
    )
    app.include_router(router)
    if dashboard:
        from sync.hq.dashboard.web import mount

        mount(app, store, hq_data_dir, clock, trust_proxy=trust_proxy)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(BatchRefused, _refused)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal)
    return app
