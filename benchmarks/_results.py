"""Where a benchmark writes its results: ``<output>/<name>_<quick|full>.<extension>``."""

import json
from pathlib import Path


def result_path(output, name, quick, extension):
    """The path of one result file, its folder created."""
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}_{'quick' if quick else 'full'}.{extension}"


def write_json(output, name, quick, results):
    """Write ``results`` as indented JSON; return the path."""
    path = result_path(output, name, quick, "json")
    path.write_text(json.dumps(results, indent=1))
    return path
