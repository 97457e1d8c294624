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


def replace_rows(output, name, quick, rows, methods=None, datasets=None,
                 order=("dataset", "split", "method")):
    """The stored rows of ``name`` with those of ``methods`` on ``datasets``
    (every one where None) replaced by ``rows``, a rerun of just these;
    sorted by the fields of ``order``, each in the order of its values'
    first appearance in the stored rows (then in ``rows``). With nothing
    stored yet (a first run into a new folder) they are ``rows``."""
    stored = result_path(output, name, quick, "json")
    kept = json.loads(stored.read_text()) if stored.exists() else []

    def rerun(row):
        return ((methods is None or row["method"] in methods)
                and (datasets is None or row["dataset"] in datasets))

    rank = {field: {value: index for index, value in enumerate(
        dict.fromkeys(row[field] for row in kept + rows))} for field in order}
    merged = [row for row in kept if not rerun(row)] + rows
    return sorted(merged, key=lambda row: [rank[field][row[field]] for field in order])
