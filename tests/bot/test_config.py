"""Settings for the Telegram adapter, read from the environment."""

from bot.config import Settings


def test_telegram_urls_default_to_the_official_api_and_can_point_at_a_self_hosted_one():
    default = Settings.from_env({})
    assert (default.telegram_api_url, default.telegram_file_url) == (
        "https://api.telegram.org/bot", "https://api.telegram.org/file/bot",
    )
    api, files = "http://bot-api:8081/bot", "http://bot-api:8081/file/bot"
    own = Settings.from_env({"TELEGRAM_API_URL": api, "TELEGRAM_FILE_URL": files})
    assert (own.telegram_api_url, own.telegram_file_url) == (api, files)


def test_the_telegram_token_never_shows_in_the_settings_repr():
    settings = Settings.from_env({"TELEGRAM_TOKEN": "123456:ABCDEF-secret-token"})
    assert settings.telegram_token.reveal() == "123456:ABCDEF-secret-token"
    assert "ABCDEF" not in repr(settings)
