import gc

import pytest

from ar_xl import gc_pause


def test_the_collector_is_paused_for_the_work_and_back_after_it_even_when_it_fails():
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with gc_pause.paused():
            assert not gc.isenabled()
            raise ValueError("bad cell")
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off():
    gc.disable()
    try:
        with gc_pause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
