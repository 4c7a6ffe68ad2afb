"""ddhpose_lite.doctor(): the environment report and the known bad combinations; notebook_setup(), the
lessons' setup cell."""
import importlib
import os
import sys
import types

import pytest

import ddhpose_lite

doctor_module = importlib.import_module("ddhpose_lite.doctor")  # the package's `doctor` is the function


def test_report_lists_versions_device_and_memory():
    report = ddhpose_lite.doctor(warn=False)
    names = dict(report.rows)
    assert names["ddhpose_lite"] == ddhpose_lite.__version__
    assert names["torch"].split("+")[0] and "device" in names and "plotly renderer" in names
    assert names["running in"].startswith("a Python process")  # pytest: no notebook
    assert "| ddhpose_lite |" in report._repr_markdown_() and "ddhpose_lite" in str(report)


def test_known_bad_combinations_are_problems_and_warnings(monkeypatch):
    versions = {"plotly": "6.1.0", "anywidget": None, "ipywidgets": "8.1.5"}
    real = doctor_module._version
    monkeypatch.setattr(doctor_module, "_version", lambda name: versions[name] if name in versions else real(name))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.delenv(doctor_module.COLAB_WIDGETS, raising=False)
    monkeypatch.setattr(doctor_module, "_available_memory", lambda: 2**29)
    with pytest.warns(UserWarning) as caught:
        report = ddhpose_lite.doctor()
    assert not report.ok and len(report.problems) == 3 == len(caught)
    assert "anywidget" in report.problems[0] and "enable_custom_widget_manager" in report.problems[1]
    assert "0.5 GiB" in report.problems[2] and dict(report.rows)["running in"] == "Google Colab"
    monkeypatch.setenv(doctor_module.COLAB_WIDGETS, "1")
    versions["anywidget"] = "0.9.13"
    monkeypatch.setattr(doctor_module, "_available_memory", lambda: 2**34)
    assert ddhpose_lite.doctor(warn=False).ok


def test_the_optional_video_extra_is_listed_never_a_problem(monkeypatch):
    real = doctor_module._version
    monkeypatch.setattr(doctor_module, "_version", lambda package: None if package == "mediapipe" else real(package))
    report = doctor_module.doctor(warn=False)
    assert dict(report.rows)["mediapipe (lesson 08's detector)"] == 'not installed, optional: pip install "ddhpose_lite[video]"'
    assert not any("mediapipe" in problem for problem in report.problems)
    monkeypatch.setattr(doctor_module, "_version", lambda package: "0.10.14" if package == "mediapipe" else real(package))
    assert dict(doctor_module.doctor(warn=False).rows)["mediapipe (lesson 08's detector)"] == "0.10.14"


def test_notebook_setup_outside_colab_only_checks(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv(doctor_module.COLAB_WIDGETS, raising=False)
    monkeypatch.setattr(doctor_module, "_available_memory", lambda: 2**29)  # one known problem
    with pytest.warns(UserWarning, match="only 0.5 GiB") as caught:
        report = ddhpose_lite.notebook_setup()
    assert caught[0].filename == __file__  # the warning points at the calling cell, not the package
    assert isinstance(report, doctor_module.Report) and dict(report.rows)["running in"].startswith("a Python process")
    assert [name for name, _ in report.rows] == [name for name, _ in ddhpose_lite.doctor(warn=False).rows]
    assert doctor_module.COLAB_WIDGETS not in os.environ  # nothing switched on


def test_notebook_setup_on_colab_switches_on_the_widget_manager(monkeypatch):
    calls = []
    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append("enabled"))
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.output", colab.output)
    monkeypatch.delenv(doctor_module.COLAB_WIDGETS, raising=False)
    monkeypatch.setattr(doctor_module, "_available_memory", lambda: 2**34)
    report = ddhpose_lite.notebook_setup()
    assert calls == ["enabled"] and os.environ[doctor_module.COLAB_WIDGETS] == "1"
    assert dict(report.rows)["running in"] == "Google Colab"
    assert not any("custom widget manager" in problem for problem in report.problems)  # doctor() saw it done
