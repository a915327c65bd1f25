"""Integrity analytics over the records booths synced to HQ: rules that raise alerts with evidence.

    rules              the rules over all the records (the reference), their thresholds and alerts
    incremental        ``analyse``: the same alerts from what changed since the last run, stored
    derived_state      the tables analyse keeps beside ``records`` (watermarks, permits, officers)
    checkpoint_report  ``report``: per checkpoint, a period's crossings and the people inside

Each rule is a function ``rule(conn, now, limits) -> list[Candidate]`` doing portable SQL
(SQLAlchemy Core; the same statements on SQLite and PostgreSQL, no dialect-only functions)
and a little Python over all the records: the reference. ``analyse(store, now)`` computes the
same alerts incrementally and stores, in the store's ``alerts`` table, only the alerts not
raised before, so running it again (from cron, say) is harmless. An alert's identity is
(kind, booth_id, seq, subject), the subject being the text before the first ": " of its detail
(a permit, an officer, a booth); an acknowledged alert is not raised again. Every detail ends
with ``evidence: BOOTH#SEQ ...``, the records it rests on.

A *crossing* is a valid scan (``kind='scan'``, ``verdict='valid'``) or an override (the
rejected scan it lets through did cross), with a direction and a permit number.

Rules and their thresholds (``Limits``):

- ``double_entry`` — the same permit's next crossing after an entry is another entry at a
  different booth (another checkpoint, or a second booth of the same one): a cloned or shared
  permit. One booth alone refuses it (``already_inside``); two offline booths cannot.
- ``impossible_travel`` — two consecutive crossings of one permit at different checkpoints
  less than ``min_travel`` apart (default 1 h; the nearest checkpoints are hours apart by road).
- ``overstay`` — a permit whose last crossing anywhere is an entry older than its ``stay``
  days (the ``stay_days`` the booth recorded) at ``now``.
- ``override_outlier`` / ``manual_entry_outlier`` / ``odd_hours`` — per officer and
  checkpoint: the rate of rejections waved through by an override, of manually typed permits,
  and of scans between 00:00 and 04:00 local time (UTC+7, both countries), each over the
  officer's scans. Flagged when the officer has at least ``min_scans`` (20) scans and
  ``min_events`` (3) such events, at least ``min_peers`` (2) peers at the same checkpoint
  have ``min_scans`` scans, and rate > max(2 × peer median, peer median + 3 × MAD). With peers
  at 0 this flags any officer with ``min_events`` or more (so odd hours are flagged only for
  officers whose peers do not work them). Judged over all records HQ holds; one alert per
  officer, checkpoint and kind.
- ``silent_booth`` — an enrolled, unrevoked booth not heard from (``last_seen``, or its
  enrolment) for longer than ``silent_after`` (6 h). One alert per silence: its seq is the
  last record HQ holds, so a booth that syncs and falls silent again is raised again.
- ``clock_skew`` — records stamped more than ``max_skew`` (15 min) after HQ received them:
  the booth clock runs ahead. One alert per booth and boot, on its first such record.
- ``revoked_seen`` / ``watchlist_seen`` — scans a booth rejected as ``revoked`` /
  ``watchlist``, one alert per scan; and, when HQ's revocations are passed in, crossings of a
  permit after HQ revoked it (a booth on an old bundle let it through).

Forks are raised by the store as batches arrive; gaps are refused there (409), so neither is
repeated here.

Incremental runs. ``analyse`` keeps derived state (``derived_state``: per-booth watermarks,
each permit's last crossing, per-officer counters) and takes in only the records stored since its
last run: pairs of consecutive crossings that involve a new record, states whose stay ended
since, clock skew and flagged reasons over the new records, crossings of newly revoked permits;
outliers come from the small counters table, silences from ``booths``. Every run stores exactly
the alerts a run of the reference rules would have stored at that point (the tests check this);
``analyse(..., full=True)`` rebuilds the state from ``records`` (also done on a first run or when
``min_travel`` / ``max_skew`` change).
"""
