"""The plain-data format across the sandbox boundary (tools/wire.py): what may cross
comes back equal, and nothing the kernel sends is ever unpickled or evaluated."""
import base64
import io
import json
import pickle

import numpy as np
import pytest

from tools.wire import MAX_DEPTH, Codec, Opaque, WireError, find_opaque, leaves


def roundtrip(value):
    return Codec().decode(Codec().encode(value))


@pytest.mark.parametrize("value", [
    None, True, 0, -3, 2**100, 1.5, float("inf"), 1 + 2j, "text ∑", (1, [2.0, None]), {"a": (1, "b")},
    np.float32(0.25), np.int64(7), np.bool_(True)])
def test_plain_values_come_back_equal_and_of_the_same_type(value):
    back = roundtrip(value)
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("array", [np.arange(6.0).reshape(2, 3), np.zeros((0, 4), np.float32),
                                   np.ones((3, 2000), bool), np.array(5), np.arange(10)[::3],
                                   np.array([1 + 1j, 2], np.complex64)])
def test_arrays_come_back_with_dtype_shape_and_values(array):
    back = roundtrip(array)
    assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)


def test_a_generator_comes_back_in_the_same_state_and_spawns_alike():
    rng = np.random.default_rng(1234)
    rng.standard_normal(5)
    rng.spawn(2)
    back = roundtrip(rng)
    assert np.array_equal(back.standard_normal(3), rng.standard_normal(3))
    assert np.array_equal(back.spawn(1)[0].random(2), rng.spawn(1)[0].random(2))


def test_an_object_array_or_a_pickle_is_refused():
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    payload = json.dumps(["array", base64.b64encode(buf.getvalue()).decode()])
    with pytest.raises(WireError):
        Codec().decode(payload)
    evil = json.dumps(["array", base64.b64encode(pickle.dumps(np.arange(3))).decode()])
    with pytest.raises(WireError):
        Codec().decode(evil)


def test_objects_that_cannot_cross_become_opaque_with_their_type():
    back = roundtrip([1, object(), lambda: 0])
    assert isinstance(back[1], Opaque) and back[1].type_name == "object"
    assert find_opaque(back) == "object"
    assert isinstance(roundtrip(np.array(["a"])), Opaque)  # strings arrays do not cross


@pytest.mark.parametrize("payload", ['["int", 5]', '["float", "1e5", 3]', '["dict", [[1, ["none"]]]]',
                                     '["exec", "print(1)"]', "not json", '["bits", [10**9], ""]'])
def test_malformed_messages_raise_a_wire_error(payload):
    with pytest.raises(WireError):
        Codec().decode(payload)


def test_nesting_is_bounded():
    deep = ["none"]
    for _ in range(MAX_DEPTH + 5):
        deep = ["list", [deep]]
    with pytest.raises(WireError):
        Codec().decode(json.dumps(deep))


def test_callables_travel_as_ids_and_come_back_as_what_the_receiver_makes_of_them():
    codec = Codec()
    text = codec.encode((lambda z: z * 2, 3))
    assert list(codec.functions) == [1]
    back = Codec(on_function=lambda key: f"callback {key}").decode(text)
    assert back == ("callback 1", 3)


def test_leaves_walk_arrays_and_generators_in_a_fixed_order():
    a, b, g = np.zeros(2), np.ones(3), np.random.default_rng(0)
    found = list(leaves(((a, 1), {"k": [b, g]})))
    assert found[0] is a and found[1] is b and found[2] is g


def test_a_strided_view_arrives_as_a_strided_view():
    base = np.arange(24.0).reshape(4, 6)
    back = roundtrip(base[:, 1:4])
    assert np.array_equal(back, base[:, 1:4]) and not back.flags.c_contiguous
    assert not np.shares_memory(back.reshape(-1), back)  # reshape copies, as for the original


def _npy_payload(array) -> str:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)  # as it is: a kernel may send Fortran order too
    return json.dumps(["array", base64.b64encode(buf.getvalue()).decode()])


@pytest.mark.parametrize("array", [np.arange(12.0).reshape(3, 4), np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)),
                                   np.arange(5, dtype=">i4"), np.array([[1 + 2j]], np.complex64),
                                   np.array([True, False, True])])
def test_an_array_read_again_with_a_remembered_header_is_what_np_load_reads(array):
    payload = _npy_payload(array)
    expected = np.load(io.BytesIO(base64.b64decode(json.loads(payload)[1])), allow_pickle=False)
    first, again = Codec().decode(payload), Codec().decode(payload)  # the second read uses the header's parse
    for back in (first, again):
        assert back.dtype == expected.dtype and back.shape == expected.shape and np.array_equal(back, expected)
        assert (back.flags.c_contiguous, back.flags.f_contiguous) == (expected.flags.c_contiguous,
                                                                      expected.flags.f_contiguous)
        assert back.flags.writeable
    again[...] = 0
    assert np.array_equal(first, expected) and np.array_equal(Codec().decode(payload), expected)  # no shared memory


def test_a_remembered_header_with_too_little_or_too_much_data_is_left_to_np_load():
    raw = base64.b64decode(json.loads(_npy_payload(np.arange(8.0)))[1])
    Codec().decode(_npy_payload(np.arange(8.0)))  # the header is now known
    with pytest.raises(WireError, match="EOF"):
        Codec().decode(json.dumps(["array", base64.b64encode(raw[:-8]).decode()]))
    longer = Codec().decode(json.dumps(["array", base64.b64encode(raw + bytes(8)).decode()]))
    assert np.array_equal(longer, np.arange(8.0))  # np.load reads what the header says, as before


def test_a_known_header_lets_no_other_dtype_cross():
    Codec().decode(_npy_payload(np.zeros(3)))
    buf = io.BytesIO()
    np.save(buf, np.array([None, None, None], dtype=object), allow_pickle=True)
    with pytest.raises(WireError):
        Codec().decode(json.dumps(["array", base64.b64encode(buf.getvalue()).decode()]))


def test_arrays_are_written_as_np_save_writes_them_every_time():
    for array in (np.arange(6.0).reshape(2, 3), np.asfortranarray(np.ones((2, 2))), np.arange(3, dtype=np.uint8),
                  np.float32(1.5), np.zeros((0, 2))):
        buf = io.BytesIO()
        np.save(buf, np.asarray(array, order="C"), allow_pickle=False)
        for _ in range(2):
            tree = json.loads(Codec().encode(array))
            assert base64.b64decode(tree[1]) == buf.getvalue()


def test_an_npz_archive_is_not_an_array():
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(3))
    with pytest.raises(WireError, match="not an .npy array"):
        Codec().decode(json.dumps(["array", base64.b64encode(buf.getvalue()).decode()]))
