from django.db import models


class Bench(models.Model):
    """A bench of the network. Its MQTT password is kept only as the broker's hash."""

    id = models.SlugField(primary_key=True, max_length=32)
    municipality = models.CharField(max_length=80)
    mqtt_password_hash = models.CharField(max_length=200, blank=True)
    online = models.BooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True)
    registered = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.id} ({self.municipality})"
