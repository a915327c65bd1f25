"""The bundle HQ hands to booths (server and USB import): the latest one, kept fresh.

Administrators build bundles with ``booth-hq bundle build``. So that booths in contact never
go stale between two such builds, the latest bundle is rebuilt here (same max offline age,
next version) when it is older than half its ``max_offline_age``, and when the enrolled
booths differ from those it lists. Before the first ``bundle build`` there is none.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sync.hq.bundle_file import latest_path, load_latest
from sync.hq.facade import HQ, Passphrase
from sync.hq.store import SyncStore
from sync.protocol.bundle import FORMAT, TrustBundle
from sync.protocol.times import DAY

log = logging.getLogger(__name__)


class BundleKeeper:
    def __init__(self, data_dir: Path, store: SyncStore, passphrase: Passphrase = None) -> None:
        self.data_dir = Path(data_dir)
        self.store = store
        self.passphrase = passphrase  # of an encrypted root, for rebuilds
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int, int], TrustBundle, bytes] | None = None

    def current(self, now: int) -> tuple[TrustBundle, bytes] | None:
        with self._lock:
            latest = self._load()
            if latest is None:
                return None
            bundle, data = latest
            if self._stale(bundle, now) or bundle.format < FORMAT:  # an old root-signed one: made format 4
                bundle, data = self._rebuild(bundle, now)
            return bundle, data

    def _stale(self, bundle: TrustBundle, now: int) -> bool:
        if now - bundle.issued_at >= bundle.max_offline_age / 2:
            return True
        return set(bundle.booths) != set(self.store.enrolled_booths())

    def _rebuild(self, old: TrustBundle, now: int) -> tuple[TrustBundle, bytes]:
        hq = HQ(self.data_dir, sync_store=self.store, passphrase=self.passphrase)
        try:
            bundle, data = hq.build_bundle(now=now, max_offline_days=old.max_offline_age / DAY)
        finally:
            hq.close()
        log.info("trust bundle %d rebuilt as %d", old.version, bundle.version)
        return self._load() or (bundle, data)

    def _load(self) -> tuple[TrustBundle, bytes] | None:
        """The latest bundle file, parsed once per change."""
        try:
            st = latest_path(self.data_dir).stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache is None or self._cache[0] != stamp:
            latest = load_latest(self.data_dir)
            if latest is None:
                return None
            self._cache = (stamp, *latest)
        return self._cache[1], self._cache[2]
