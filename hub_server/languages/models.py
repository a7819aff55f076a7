"""The language a person reads the hub in, kept with their account (not only in a cookie)."""
from django.conf import settings
from django.db import models


class LanguagePreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user_id}: {self.language}"
