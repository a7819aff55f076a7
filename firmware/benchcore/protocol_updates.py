"""The bench core's vocabulary for updates and self-healing (docs/updates.md): commands, telemetry
keys, update states and the release format, shared by the firmware (keepalive, updater, release)
and the hub (hub_server/releases). Part of benchcore.protocol's contract, kept in its own module
so that a bench loads these names only when it uses them (their strings are interned for good).
"""
# Commands (topic cmd, signed and numbered like the others):
CMD_UPDATE = "update"  # {"seq", "version", "url"}: fetch release seq from url (its files and manifest)
CMD_RELEASE_CONFIRM = "release_confirm"  # {"seq"}: the hub saw the trial release healthy: keep it
CMD_LEAVE_SAFE_MODE = "leave_safe_mode"  # {}: start the full application again
# Telemetry keys:
T_APP_SEQ = "app_seq"  # the running release's number (0: the factory tree)
T_UPDATE = "update"  # one of UPDATE_STATES
T_UPDATE_SEQ = "update_seq"  # the release the state is about
T_UPDATE_DETAIL = "update_detail"  # why a release failed or was refused
T_SAFE_MODE = "safe_mode"  # true while the bench runs in safe mode
T_RESET_CAUSE = "reset_cause"  # machine.reset_cause() of this boot
# idle (factory tree, nothing asked), downloading, failed (a download that will be retried), refused
# (a manifest not signed, not newer, or malformed), staged (runs at the next boot), trial (running,
# not yet confirmed), good (confirmed), rolled_back (the trial went back to the previous tree).
UPDATE_STATES = ("idle", "downloading", "failed", "refused", "staged", "trial", "good", "rolled_back")
# Their message specs, in benchcore.contract's format (contract.check): here, not in contract.SPECS,
# so a bench without the journal carries none of it (contract is loaded on every bench; its spec
# strings live in RAM). The keepalive checks the commands, the hub the telemetry keys (beside the
# contract's spec, which lets unknown keys through).
CMD_SPEC = ("*n=count *cmd=choice/update|release_confirm|leave_safe_mode now=time seq=count version=text/32 "
            "url=text/200")
TELEMETRY_SPEC = ("app_seq=count update=choice/idle|downloading|failed|refused|staged|trial|good|rolled_back "
                  "update_seq=count update_detail=text/80 safe_mode=flag reset_cause=count")
# A release (edge_agent/firmware_image.py builds it, the hub signs it with its release key):
RELEASE_MANIFEST = "manifest.json"
RELEASE_SIGNATURE = "manifest.sig"  # hex Ed25519 signature over sha256(manifest.json)
RELEASE_FORMAT = 1
RELEASE_DIRS = ("benchcore/", "lib/", "www/")  # what a release may write (inside its own app/<seq>/)
RELEASE_MAX_FILES = 200
RELEASE_MAX_FILE_BYTES = 131072
RELEASE_MAX_BYTES = 1048576
RELEASE_MAX_MANIFEST_BYTES = 24576
