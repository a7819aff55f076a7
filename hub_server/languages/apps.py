from django.apps import AppConfig


class LanguagesConfig(AppConfig):
    name = "hub_server.languages"
    verbose_name = "Languages"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from hub_server.languages.middleware import remember_profile_language
        user_logged_in.connect(remember_profile_language, dispatch_uid="hub-profile-language")
