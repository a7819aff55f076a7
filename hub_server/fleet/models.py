from django.db import models


class Bench(models.Model):
    """A bench of the network, with what the hub needs to trust its messages.

    The MQTT password is kept only as the broker's hash. The signing key is a shared secret
    (HMAC): the hub must hold it to verify; during a rotation the next key waits in next_key
    until the bench is seen using it.
    """

    id = models.SlugField(primary_key=True, max_length=32)
    municipality = models.CharField(max_length=80)
    mqtt_password_hash = models.CharField(max_length=200, blank=True)
    key_id = models.CharField(max_length=16, default="k1")
    key = models.CharField(max_length=64, blank=True, help_text="hex")
    next_key_id = models.CharField(max_length=16, blank=True)
    next_key = models.CharField(max_length=64, blank=True, help_text="hex")
    online = models.BooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True)
    registered = models.DateTimeField(auto_now_add=True)
    # Replay windows: (boot, n) of the last accepted status and telemetry message.
    status_boot = models.PositiveIntegerField(default=0)
    status_n = models.PositiveIntegerField(default=0)
    telemetry_boot = models.PositiveIntegerField(default=0)
    telemetry_n = models.PositiveIntegerField(default=0)
    # Numbers of what the hub sends: each only grows, so the bench can refuse replays.
    cmd_n = models.PositiveIntegerField(default=0)
    config_version = models.PositiveIntegerField(default=0)
    digest_version = models.PositiveIntegerField(default=0)
    settings = models.JSONField(default=dict, blank=True, help_text="desired settings sent as the retained config")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.id} ({self.municipality})"

    def verification_keys(self) -> dict[str, bytes]:
        keys = {self.key_id: bytes.fromhex(self.key)} if self.key else {}
        if self.next_key:
            keys[self.next_key_id] = bytes.fromhex(self.next_key)
        return keys


class Delivery(models.Model):
    """How a proposal reached the hub: its place in the bench's sequence and how it was dated."""

    proposal_id = models.CharField(primary_key=True, max_length=16)
    bench = models.ForeignKey(Bench, on_delete=models.CASCADE, related_name="deliveries")
    boot = models.PositiveIntegerField()
    n = models.PositiveIntegerField()
    received = models.DateTimeField(auto_now_add=True)
    out_of_order = models.BooleanField(default=False)
    dated_by = models.CharField(max_length=12, help_text="bench clock, hub clock via uptime, or arrival")
    copies = models.PositiveIntegerField(default=1, help_text="how often the bench sent it")

    class Meta:
        indexes = [models.Index(fields=["bench", "boot", "n"])]


class RejectedMessage(models.Model):
    """A counter per bench and reason of messages the hub refused (the log has each one)."""

    bench_id = models.CharField(max_length=64)
    topic = models.CharField(max_length=16)
    reason = models.CharField(max_length=120)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bench_id", "topic", "reason"], name="one_counter_per_reason")]

    def __str__(self):
        return f"{self.bench_id} {self.topic}: {self.reason} x{self.count}"


class PendingDownlink(models.Model):
    """A retained message (digest or config) that a bench should get anew: a transactional outbox,
    so a change committed by the web is published by the downlink worker even across restarts."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "Digest"
        CONFIG = "config", "Config"

    bench = models.ForeignKey(Bench, on_delete=models.CASCADE, related_name="pending_downlinks")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    queued = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bench", "kind"], name="one_pending_per_kind")]


class DeadLetter(models.Model):
    """A verified bench message the hub could not process for a reason that will not go away
    (a bug, a value no column takes): kept with its reason for an operator, and acknowledged, so
    it cannot block the bench's later messages. Bounded: payloads are at most MAX_PAYLOAD bytes."""

    bench_id = models.CharField(max_length=64)
    topic = models.CharField(max_length=16)
    payload = models.BinaryField()
    reason = models.CharField(max_length=300)
    attempts = models.PositiveIntegerField(default=1)
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received"]

    def __str__(self):
        return f"{self.bench_id} {self.topic}: {self.reason}"


class SealKey(models.Model):
    """The hub's private key for sealed contact details (hub_server.fleet.seal): one row."""

    private_pem = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
