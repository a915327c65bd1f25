"""The QR backends one by one: clean codes, corner points, odd payloads, garbage, absent libraries."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest
from scan_helpers import PERMITISH, SCALE, qr_image

from booth.scan.decoders import (
    DECODER_NAMES,
    Decoded,
    Decoder,
    OpenCVDecoder,
    PyzbarDecoder,
    WeChatDecoder,
    ZxingDecoder,
    available_decoders,
    make_decoder,
)
from booth.scan.errors import DecoderUnavailable


def assert_corners(d: Decoded, box: tuple[float, ...], shape: tuple[int, ...], slack: float) -> None:
    """Four corners, inside the image, each near a different corner of the symbol's box."""
    x0, y0, x1, y1 = box
    assert len(d.points) == 4
    for x, y in d.points:
        assert 0 <= x <= shape[1] and 0 <= y <= shape[0]
    truth = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    nearest = {min(range(4), key=lambda i, p=p: np.hypot(p[0] - truth[i][0], p[1] - truth[i][1])) for p in d.points}
    assert nearest == {0, 1, 2, 3}
    for x, y in d.points:
        assert min(np.hypot(x - tx, y - ty) for tx, ty in truth) <= slack


def backend(name: str) -> Decoder:
    """The backend, or a skip that says why it cannot run here (pyzbar without libzbar0)."""
    try:
        return make_decoder(name)
    except DecoderUnavailable as exc:
        pytest.skip(f"{name} unavailable here: {exc}")


@pytest.mark.parametrize("name", DECODER_NAMES)
def test_each_backend_reads_a_clean_code_with_its_corners(name: str) -> None:
    decoder = backend(name)
    img, box = qr_image(PERMITISH)
    found = decoder.decode(img)
    assert [d.text for d in found] == [PERMITISH]
    assert found[0].decoder == name == decoder.name
    assert_corners(found[0], box, img.shape, slack=2 * SCALE)


@pytest.mark.parametrize("name", DECODER_NAMES)
def test_corners_are_clockwise_on_screen(name: str) -> None:
    decoder = backend(name)
    img, _ = qr_image("CLOCKWISE")
    (d,) = decoder.decode(img)
    pts = d.points
    twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))
    assert twice_area > 0


@pytest.mark.parametrize("name", DECODER_NAMES)
@pytest.mark.parametrize("garbage", ["black", "white", "noise", "1x1", "0x5", "tiny-noise"])
def test_garbage_gives_nothing_and_no_crash(name: str, garbage: str) -> None:
    rng = np.random.default_rng(5)
    frames = {
        "black": np.zeros((480, 640), np.uint8),
        "white": np.full((480, 640), 255, np.uint8),
        "noise": rng.integers(0, 256, (480, 640), dtype=np.uint8),
        "1x1": np.zeros((1, 1), np.uint8),
        "0x5": np.zeros((0, 5), np.uint8),
        "tiny-noise": rng.integers(0, 256, (12, 9), dtype=np.uint8),
    }
    assert backend(name).decode(frames[garbage]) == []


@pytest.mark.parametrize("name", DECODER_NAMES)
def test_a_colour_or_non_uint8_array_is_refused_quietly(name: str) -> None:
    decoder = backend(name)
    img, _ = qr_image("GRAY ONLY")
    assert decoder.decode(np.dstack([img, img, img])) == []  # the cascade converts; a backend wants gray
    assert decoder.decode(img.astype(np.float32)) == []


@pytest.mark.parametrize("name", DECODER_NAMES)
def test_a_payload_that_is_not_utf8_never_crashes(name: str) -> None:
    """OpenCV's bindings raise UnicodeDecodeError on such payloads; the backends must not."""
    img, _ = qr_image(b"\x83\xff\x00\x9c binary")
    found = backend(name).decode(img)
    assert all(isinstance(d.text, str) for d in found)


def test_zxing_keeps_control_characters_as_they_are() -> None:
    """Plain text mode: the corpus's "\\x01\\x10AD:SUB:..." code must not come back as "<SOH><DLE>..."."""
    img, _ = qr_image("\x01\x10AD:SUB:X;;")
    assert [d.text for d in ZxingDecoder().decode(img)] == ["\x01\x10AD:SUB:X;;"]


def test_zxing_locate_gives_the_corners_of_a_symbol_it_cannot_read() -> None:
    img, box = qr_image(PERMITISH)
    x0, y0, x1, y1 = (int(v) for v in box)
    damaged = img.copy()
    band = damaged[y0 + 9 * SCALE : y1 - 9 * SCALE, x0:x1]  # half the symbol, finder patterns spared
    band[:] = 255 - band  # every module there wrong: far beyond level Q's 25 %
    found, candidates = ZxingDecoder().locate(damaged)
    assert found == []
    assert candidates, "the finder patterns are intact: zxing should report where the symbol is"
    assert all(x0 - 10 <= x <= x1 + 10 and y0 - 10 <= y <= y1 + 10 for q in candidates for x, y in q)


def test_zxing_binarizers() -> None:
    assert ZxingDecoder().with_binarizer("global").binarizer == "global"
    with pytest.raises(ValueError):
        ZxingDecoder("otsu")


def test_pyzbar_reads_where_libzbar0_is_present() -> None:
    """Runs only where the system library is installed (scripts/setup installs libzbar0)."""
    try:
        decoder = PyzbarDecoder()
    except DecoderUnavailable as exc:
        pytest.skip(f"libzbar0 missing here, pyzbar backend not tested: {exc}")
    img, _ = qr_image("ZBAR")
    assert [d.text for d in decoder.decode(img)] == ["ZBAR"]


def test_pyzbar_without_its_library_raises_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyzbar", None)  # what a missing libzbar0 looks like to Python
    with pytest.raises(DecoderUnavailable, match="libzbar0"):
        PyzbarDecoder()
    names = [d.name for d in available_decoders()]
    assert "pyzbar" not in names and "zxing" in names


def test_wechat_without_opencv_contrib_raises_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(cv2, "wechat_qrcode_WeChatQRCode", raising=False)
    with pytest.raises(DecoderUnavailable, match="opencv-contrib"):
        WeChatDecoder()


def test_wechat_needs_no_model_files() -> None:
    """Built without model paths: traditional detection, nothing read from disk or the network."""
    img, _ = qr_image("NO MODELS")
    assert [d.text for d in WeChatDecoder().decode(img)] == ["NO MODELS"]


def test_make_decoder() -> None:
    assert isinstance(make_decoder("opencv_aruco"), OpenCVDecoder)
    assert make_decoder("opencv_aruco").name == "opencv_aruco"
    assert all(isinstance(d, Decoder) for d in available_decoders())
    with pytest.raises(ValueError, match="unknown decoder"):
        make_decoder("zbar")


def test_decoded_is_a_frozen_value() -> None:
    d = Decoded("X", "zxing", ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)))
    assert d.center() == (5.0, 5.0) and d.size() == 10.0
    with pytest.raises(AttributeError):
        d.text = "Y"  # type: ignore[misc]
    assert Decoded("X", "zxing").center() == (0.0, 0.0)
