"""The camera preview: frames are shown without a copy of their pixels."""

from __future__ import annotations

import gc

import numpy as np

from booth.gui.camera_view import CameraView, frame_view, to_qimage


def test_frame_view_uses_the_frames_own_pixels(qapp) -> None:
    frame = np.zeros((72, 128, 3), np.uint8)
    image = frame_view(frame)
    owned = to_qimage(frame)
    frame[10, 20] = (255, 0, 0)  # BGR: blue
    assert image.pixelColor(20, 10).blue() == 255  # the view: no copy (a 720p copy is 2.7 MB, 30 a second)
    assert owned.pixelColor(20, 10).blue() == 0  # to_qimage still copies
    del frame
    gc.collect()
    assert image.pixelColor(20, 10).blue() == 255  # the binding keeps the frame alive with the image


def test_frame_view_of_a_frame_that_is_not_contiguous(qapp) -> None:
    frame = np.zeros((72, 256, 3), np.uint8)
    frame[5, 40] = (0, 0, 255)  # red
    image = frame_view(frame[:, ::2])
    assert (image.width(), image.height()) == (128, 72) and image.pixelColor(20, 5).red() == 255


def test_camera_view_shows_the_frame_it_was_given(qapp) -> None:
    view = CameraView()
    view.resize(320, 180)
    frame = np.full((180, 320, 3), 40, np.uint8)
    view.show_frame(frame)
    view.set_state("ok")
    shot = view.grab().toImage()
    assert shot.pixelColor(160, 90).red() == 40 and view.frames_shown == 1
