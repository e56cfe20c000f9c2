import flowrt


def test_version_is_set():
    assert flowrt.__version__.count(".") == 2
