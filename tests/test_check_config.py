"""The checker's settings file: defaults, the repo's own file, and clear errors for every mistake."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.check_config import BadCheckerConfig, load_check_settings
from crawler.politeness import CheckSettings

REPO_FILE = Path(__file__).resolve().parent.parent / "data" / "checker.yml"


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "checker.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_the_production_defaults_apply(tmp_path):
    settings = load_check_settings(tmp_path / "missing.yml")
    assert settings == CheckSettings()
    assert settings.per_host == 2 and settings.robots is True and settings.canaries == ()


def test_an_empty_file_gives_the_defaults(tmp_path):
    assert load_check_settings(_file(tmp_path, "")) == CheckSettings()


def test_the_repos_own_file_loads_and_names_canaries():
    settings = load_check_settings(REPO_FILE)
    assert settings.canaries and all(url.startswith("https://") for url in settings.canaries)
    assert settings.per_host >= 1 and settings.concurrency >= settings.per_host
    assert settings.robots is True


def test_values_in_the_file_are_used(tmp_path):
    settings = load_check_settings(_file(tmp_path, """
politeness:
  per_host: 1
  min_interval_s: 2
  robots: false
  method: head
canaries: [https://canary.example.org/]
"""))
    assert (settings.per_host, settings.min_interval_s, settings.robots, settings.method) == (1, 2.0, False, "head")
    assert isinstance(settings.min_interval_s, float)
    assert settings.canaries == ("https://canary.example.org/",)


def test_overrides_beat_the_file_and_none_leaves_the_file_alone(tmp_path):
    path = _file(tmp_path, "politeness:\n  per_host: 5\n  concurrency: 20\n")
    settings = load_check_settings(path, per_host=1, concurrency=None)
    assert settings.per_host == 1 and settings.concurrency == 20


def test_overrides_apply_without_a_file(tmp_path):
    assert load_check_settings(tmp_path / "missing.yml", concurrency=8).concurrency == 8


@pytest.mark.parametrize(("key", "meant"), [("per_hots", "per_host"), ("concurency", "concurrency"),
                                             ("min_interval", "min_interval_s"), ("robot", "robots")])
def test_a_misspelt_setting_is_an_error_naming_the_close_match(tmp_path, key, meant):
    with pytest.raises(BadCheckerConfig, match=rf"no setting '{key}' \(did you mean '{meant}'\?\)"):
        load_check_settings(_file(tmp_path, f"politeness:\n  {key}: 1\n"))


def test_an_unrelated_setting_is_an_error_even_without_a_close_match(tmp_path):
    with pytest.raises(BadCheckerConfig, match="no setting 'colour'") as error:
        load_check_settings(_file(tmp_path, "politeness:\n  colour: blue\n"))
    assert "did you mean" not in str(error.value)


def test_canaries_belong_at_the_top_level_not_under_politeness(tmp_path):
    with pytest.raises(BadCheckerConfig, match="no setting 'canaries'"):
        load_check_settings(_file(tmp_path, "politeness:\n  canaries: [https://a.example.org/]\n"))


@pytest.mark.parametrize(("line", "message"), [
    ("per_host: two", "per_host must be a number"),
    ("per_host: -1", "per_host must be a number ≥ 0"),
    ("per_host: 2.5", "per_host must be a whole number"),
    ("concurrency: true", "concurrency must be a number"),
    ("min_interval_s: .nan", "min_interval_s must be a number"),
    ("robots: yes please", "robots must be true or false"),
    ("robots: 1", "robots must be true or false"),
    ("method: POST", "method must be GET or HEAD"),
])
def test_a_value_of_the_wrong_type_is_an_error_naming_the_setting(tmp_path, line, message):
    path = _file(tmp_path, f"politeness:\n  {line}\n")
    with pytest.raises(BadCheckerConfig, match=message) as error:
        load_check_settings(path)
    if "method" not in line:
        assert str(path) in str(error.value)


def test_a_whole_float_is_accepted_for_a_count(tmp_path):
    assert load_check_settings(_file(tmp_path, "politeness:\n  per_host: 3.0\n")).per_host == 3


@pytest.mark.parametrize("canaries", ["https://a.example.org/", "[ftp://files.example.org/]", "[42]"])
def test_canaries_must_be_a_list_of_http_urls(tmp_path, canaries):
    with pytest.raises(BadCheckerConfig, match="canaries must be a list of http"):
        load_check_settings(_file(tmp_path, f"canaries: {canaries}\n"))


def test_politeness_must_be_a_mapping(tmp_path):
    with pytest.raises(BadCheckerConfig, match="politeness must be a mapping"):
        load_check_settings(_file(tmp_path, "politeness:\n  - per_host: 2\n"))


def test_bad_yaml_is_a_clear_error(tmp_path):
    with pytest.raises(BadCheckerConfig, match="not valid YAML"):
        load_check_settings(_file(tmp_path, "politeness:\n  per_host: [1, 2\n"))


def test_a_file_that_is_not_utf8_text_is_a_clear_error(tmp_path):
    path = tmp_path / "checker.yml"
    path.write_bytes(b"politeness:\n  per_host: \xff\xfe\n")
    with pytest.raises(BadCheckerConfig, match="cannot be read"):
        load_check_settings(path)


@pytest.mark.parametrize("text", ["- politeness\n", "just words\n"])
def test_a_file_that_is_not_a_mapping_is_an_error(tmp_path, text):
    with pytest.raises(BadCheckerConfig, match="at the top level"):
        load_check_settings(_file(tmp_path, text))


def test_an_unknown_top_level_key_is_an_error(tmp_path):
    with pytest.raises(BadCheckerConfig, match="unknown key 'politness'"):
        load_check_settings(_file(tmp_path, "politness:\n  per_host: 1\n"))
