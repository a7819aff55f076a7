"""Writes about releases: register and sign one, roll it out in stages, record what benches report.

Every step leaves a ReleaseEvent. The rollout worker (`hub release worker`) calls rollout_tick,
which returns the signed commands to publish; it publishes them after the commit.
"""
import hashlib
import json
import logging
import math
import shutil
from datetime import datetime, timezone
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from hub_server.fleet.models import Bench
from hub_server.fleet.services import bench_command
from hub_server.releases.contract import bench_contract, bench_release, protocol
from hub_server.releases.keys import public_key_hex, release_key, sign_manifest
from hub_server.releases.models import BenchUpdate, Release, ReleaseEvent, Rollout, RolloutBench

log = logging.getLogger("hub.releases")


class ReleaseError(ValueError):
    pass


def _event(verb: str, actor: str = "hub", release=None, rollout=None, bench_id: str = "", **detail) -> None:
    ReleaseEvent.objects.create(verb=verb, actor=actor, release=release, rollout=rollout, bench_id=bench_id,
                                detail=detail)


def manifest_text(*, seq: int, version: str, files: list) -> bytes:
    """The manifest a bench reads line by line (benchcore/release.py): a JSON header, then
    "<sha256> <size> <path>" per file."""
    header = json.dumps({"format": protocol.RELEASE_FORMAT, "seq": seq, "version": version, "files": len(files),
                         "bytes": sum(f[1] for f in files)}, separators=(",", ":"))
    return "".join([header + "\n"] + [f"{digest} {size} {path}\n" for path, size, digest in files]).encode()


def release_add(*, tree: Path, actor: str) -> Release:
    """Number and sign the release in tree (built by `bench image --release`): its files are hashed
    again here and must match the draft manifest; then they are copied to the releases directory."""
    tree = Path(tree)
    try:
        draft = json.loads((tree / protocol.RELEASE_MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{tree}: no readable {protocol.RELEASE_MANIFEST} ({exc})")
    files = []
    for path, size, digest in draft.get("files", []):
        data = (tree / path).read_bytes()
        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            raise ReleaseError(f"{path} differs from the manifest draft: rebuild the release")
        files.append([path, size, digest])
    key = release_key()
    with transaction.atomic():
        seq = (Release.objects.select_for_update().aggregate(m=Max("seq"))["m"] or 0) + 1
        manifest = manifest_text(seq=seq, version=draft.get("version"), files=files)
        signature = sign_manifest(key, manifest)
        try:  # exactly the check a bench makes: the hub signs nothing a bench would refuse
            bench_release.check(manifest, signature.encode(), bytes.fromhex(public_key_hex(key)), seq - 1)
        except bench_release.ReleaseRefused as exc:
            raise ReleaseError(f"a bench would refuse this release: {exc}")
        target = Path(settings.HUB_RELEASES_DIR) / str(seq)
        if target.exists():
            shutil.rmtree(target)
        for path, _, _ in files:
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tree / path, target / path)
        (target / protocol.RELEASE_MANIFEST).write_bytes(manifest)
        (target / protocol.RELEASE_SIGNATURE).write_text(signature)
        release = Release.objects.create(seq=seq, version=draft["version"], manifest=manifest.decode(),
                                         signature=signature, files=len(files), size=sum(f[1] for f in files))
        _event("release_add", actor, release=release, version=release.version, files=len(files), size=release.size)
    return release


def rollout_start(*, seq: int, canary: str, share_pct: int = 25, halt_after: int = 1, actor: str,
                  url: str | None = None) -> Rollout:
    with transaction.atomic():
        release = Release.objects.get(pk=seq)
        if Rollout.objects.exclude(stage__in=[Rollout.Stage.DONE, Rollout.Stage.HALTED]).exists():
            raise ReleaseError("another rollout is still running: halt it or let it finish")
        rollout = Rollout.objects.create(release=release, canary=Bench.objects.get(pk=canary), share_pct=share_pct,
                                         halt_after=halt_after,
                                         url=(url or settings.HUB_RELEASES_URL).rstrip("/") + f"/{seq}/")
        _event("rollout_start", actor, release=release, rollout=rollout, canary=canary, share_pct=share_pct,
               halt_after=halt_after)
    return rollout


def rollout_halt(*, rollout_id: int, actor: str, reason: str) -> None:
    with transaction.atomic():
        rollout = Rollout.objects.select_for_update().get(pk=rollout_id)
        if rollout.stage in (Rollout.Stage.DONE, Rollout.Stage.HALTED):
            return
        rollout.stage, rollout.halted_reason = Rollout.Stage.HALTED, reason[:200]
        rollout.finished = datetime.now(timezone.utc)
        rollout.save()
        _event("rollout_halt", actor, release=rollout.release, rollout=rollout, reason=reason)


def bench_update_report(*, bench_id: str, data: dict, received: datetime) -> None:
    """Keep what a bench's verified telemetry says about its application and updates: held to
    protocol_updates.TELEMETRY_SPEC (the contract's telemetry spec does not name these keys); a
    report that does not fit it is left out (the rest of the telemetry is stored as before)."""
    if protocol.T_APP_SEQ not in data or not Bench.objects.filter(pk=bench_id).exists():
        return
    try:
        bench_contract.check(data, protocol.TELEMETRY_SPEC)
    except ValueError as exc:
        log.warning("bench %s: update state not kept: %s", bench_id, exc)
        return

    def integer(key):
        value = data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    state = data.get(protocol.T_UPDATE)
    BenchUpdate.objects.update_or_create(bench_id=bench_id, defaults={
        "app_seq": integer(protocol.T_APP_SEQ) or 0,
        "version": str(data.get("firmware", ""))[:40],
        "state": state if state in protocol.UPDATE_STATES else "",
        "update_seq": integer(protocol.T_UPDATE_SEQ) or 0,
        "detail": str(data.get(protocol.T_UPDATE_DETAIL, ""))[:120],
        "safe_mode": data.get(protocol.T_SAFE_MODE) is True,
        "reset_cause": integer(protocol.T_RESET_CAUSE),
        "reported": received,
    })


def _stage_benches(rollout: Rollout) -> list[str]:
    """The benches the current stage reaches (the earlier stages' included)."""
    everyone = list(Bench.objects.order_by("id").values_list("id", flat=True))
    if rollout.stage == Rollout.Stage.CANARY:
        return [rollout.canary_id]
    if rollout.stage == Rollout.Stage.SHARE:
        others = [b for b in everyone if b != rollout.canary_id]
        count = max(1, math.ceil(len(others) * rollout.share_pct / 100))
        return [rollout.canary_id] + others[:count]
    return everyone


_NEXT_STAGE = {Rollout.Stage.CANARY: Rollout.Stage.SHARE, Rollout.Stage.SHARE: Rollout.Stage.ALL,
               Rollout.Stage.ALL: Rollout.Stage.DONE}


def _outcome(target: RolloutBench, report: BenchUpdate | None, seq: int) -> str | None:
    """The target's next state from its bench's report, or None if nothing new."""
    if report is None:
        return None
    if report.app_seq == seq and report.state == "good":
        return RolloutBench.State.UPDATED
    if report.update_seq == seq and report.state == "rolled_back":
        return RolloutBench.State.ROLLED_BACK
    if report.update_seq == seq and report.state == "refused":
        return RolloutBench.State.REFUSED
    if report.app_seq == seq and report.state == "trial" and target.state == RolloutBench.State.SENT:
        return RolloutBench.State.CONFIRMING
    return None


def _confirm_sent_releases() -> list[tuple[str, bytes]]:
    """A release sent to a bench outside a rollout (`hub release send`: an operator's retry) is
    confirmed like a rollout's once the bench reports it on trial, once per bench and release;
    without it the bench would go back when its trial runs out."""
    out = []
    for report in BenchUpdate.objects.filter(state="trial", app_seq__gt=0):
        sent = ReleaseEvent.objects.filter(verb="update_sent", rollout=None, bench_id=report.bench_id,
                                           release_id=report.app_seq)
        if not sent.exists() or ReleaseEvent.objects.filter(verb="release_confirm", bench_id=report.bench_id,
                                                            release_id=report.app_seq).exists():
            continue
        release = Release.objects.get(pk=report.app_seq)
        out.append(bench_command(bench_id=report.bench_id, command=protocol.CMD_RELEASE_CONFIRM, seq=release.seq))
        _event("release_confirm", release=release, bench_id=report.bench_id)
    return out


def rollout_tick(*, now: datetime | None = None) -> list[tuple[str, bytes]]:
    """Advance the running rollout one step, and confirm releases sent outside a rollout; returns
    (topic, payload) commands to publish."""
    now = now or datetime.now(timezone.utc)
    with transaction.atomic():
        out = _confirm_sent_releases()
        rollout = (Rollout.objects.select_for_update().select_related("release")
                   .exclude(stage__in=[Rollout.Stage.DONE, Rollout.Stage.HALTED]).first())
        if rollout is None:
            return out
        seq, release = rollout.release.seq, rollout.release
        targets = {t.bench_id: t for t in rollout.benches.all()}
        reports = {u.bench_id: u for u in BenchUpdate.objects.filter(bench_id__in=list(targets))}
        for bench_id, target in targets.items():
            if target.state in (RolloutBench.State.UPDATED, RolloutBench.State.ROLLED_BACK, RolloutBench.State.REFUSED):
                continue
            outcome = _outcome(target, reports.get(bench_id), seq)
            if outcome is None:
                continue
            target.state = outcome
            if outcome == RolloutBench.State.CONFIRMING:
                out.append(bench_command(bench_id=bench_id, command=protocol.CMD_RELEASE_CONFIRM, seq=seq))
                _event("release_confirm", release=release, rollout=rollout, bench_id=bench_id)
            else:
                target.done = now
                target.detail = reports[bench_id].detail
                _event("bench_" + outcome, release=release, rollout=rollout, bench_id=bench_id,
                       detail=target.detail)
            target.save()
        # A bench that refuses the release (bad signature, replay) says the release or the hub is wrong.
        failures = sum(t.state in (RolloutBench.State.ROLLED_BACK, RolloutBench.State.REFUSED)
                       for t in targets.values())
        if failures >= rollout.halt_after:
            rollout.stage = Rollout.Stage.HALTED
            rollout.halted_reason = f"{failures} bench(es) rolled back or refused the release"
            rollout.finished = now
            rollout.save()
            _event("rollout_halt", release=release, rollout=rollout, reason=rollout.halted_reason)
            return out
        wanted = _stage_benches(rollout)
        if all(b in targets and targets[b].state == RolloutBench.State.UPDATED for b in wanted):
            rollout.stage = _NEXT_STAGE[rollout.stage]
            if rollout.stage == Rollout.Stage.DONE:
                rollout.finished = now
            rollout.save()
            _event("rollout_stage", release=release, rollout=rollout, stage=rollout.stage)
            wanted = _stage_benches(rollout) if rollout.stage != Rollout.Stage.DONE else []
        for bench_id in wanted:
            if bench_id in targets:
                continue
            report = BenchUpdate.objects.filter(bench_id=bench_id).first()
            state = RolloutBench.State.UPDATED if report and report.app_seq == seq else RolloutBench.State.SENT
            RolloutBench.objects.create(rollout=rollout, bench_id=bench_id, stage=rollout.stage, state=state)
            if state == RolloutBench.State.SENT:
                out.append(bench_command(bench_id=bench_id, command=protocol.CMD_UPDATE, seq=seq,
                                         version=release.version, url=rollout.url))
                _event("update_sent", release=release, rollout=rollout, bench_id=bench_id, stage=rollout.stage)
    return out


def update_send(*, bench_id: str, seq: int, actor: str, url: str | None = None) -> tuple[str, bytes]:
    """The update command for one bench outside a rollout (an operator's retry, a test)."""
    release = Release.objects.get(pk=seq)
    url = (url or settings.HUB_RELEASES_URL).rstrip("/") + f"/{seq}/"
    _event("update_sent", actor, release=release, bench_id=bench_id, url=url)
    return bench_command(bench_id=bench_id, command=protocol.CMD_UPDATE, seq=seq, version=release.version, url=url)


def safe_mode_leave(*, bench_id: str, actor: str) -> tuple[str, bytes]:
    """The signed command that ends a bench's safe mode (it restarts its full application)."""
    _event("safe_mode_leave", actor, bench_id=bench_id)
    return bench_command(bench_id=bench_id, command=protocol.CMD_LEAVE_SAFE_MODE)
