"""`log_image`: an image (a numpy array, a PIL image or a matplotlib figure) as a PNG artifact.

Arrays are encoded with matplotlib (the ``plots`` extra), imported only when an array is
logged; a PIL image saves itself and a figure draws itself, so neither needs it.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath
from typing import Any

from ..exceptions import InvalidArgumentError

__all__ = ["log_image"]

_CHANNELS = (1, 3, 4)  # gray, RGB, RGBA


def log_image(image: Any, artifact_file: str) -> str:
    """Save ``image`` as the PNG artifact ``artifact_file`` of the active run.

    Parameters
    ----------
    image : numpy.ndarray, PIL.Image.Image or matplotlib.figure.Figure
        An array of shape ``(height, width)`` (gray) or ``(height, width, 1|3|4)``
        (gray, RGB, RGBA), either of integers from 0 to 255 or of floats from 0 to 1 (as
        MLflow's ``log_image`` takes them); encoding an array needs matplotlib
        (``pip install 'sktrack[plots]'``).  A PIL image or a figure is saved as it is.
    artifact_file : str
        The artifact's path in the run, e.g. ``"images/sample.png"``; without a suffix it
        gets ``.png``.  Another suffix raises `InvalidArgumentError`.

    Returns
    -------
    str
        The artifact's path in the run.

    Examples
    --------
    >>> import sktrack, tempfile, numpy as np
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run() as run:
    ...     sktrack.log_image(np.zeros((4, 4, 3), dtype=np.uint8), "images/black")
    'images/black.png'
    >>> sktrack.read_artifact(run.run_id, "images/black.png")[:4]
    b'\\x89PNG'
    """
    from ._fluent import _active_or_new

    path = _png_path(artifact_file)
    payload = image_png(image)
    run = _active_or_new()
    run.store.write_artifact(run.run_id, path, payload)
    return path


def _png_path(artifact_file: object) -> str:
    if not isinstance(artifact_file, str) or not artifact_file.strip("/"):
        raise InvalidArgumentError(
            f"log_image needs an artifact file name such as 'images/sample.png', "
            f"got {artifact_file!r}"
        )
    suffix = PurePosixPath(artifact_file).suffix
    if suffix == "":
        return f"{artifact_file}.png"
    if suffix.lower() != ".png":
        raise InvalidArgumentError(
            f"log_image writes PNG, and {artifact_file!r} ends in {suffix!r}; name it .png "
            "(or save the image yourself and use log_artifact)"
        )
    return artifact_file


def image_png(image: Any) -> bytes:
    """The PNG bytes of a numpy array, a PIL image or a matplotlib figure."""
    buffer = io.BytesIO()
    if _is_pil_image(image):
        image.save(buffer, format="PNG")
    elif hasattr(image, "savefig"):
        image.savefig(buffer, format="png")
    elif hasattr(image, "__array_interface__") or type(image).__module__ == "numpy":
        _array_png(image, buffer)
    else:
        raise InvalidArgumentError(
            f"log_image cannot save a {type(image).__name__}; pass a numpy array, a PIL image "
            "or a matplotlib Figure (log_figure takes other figures)"
        )
    return buffer.getvalue()


def _is_pil_image(image: Any) -> bool:
    return type(image).__module__.startswith("PIL.") and hasattr(image, "save")


def _array_png(image: Any, buffer: io.BytesIO) -> None:
    pixels = _as_rgb_bytes(image)
    try:
        import matplotlib.image
    except ImportError:
        raise InvalidArgumentError(
            "log_image encodes numpy arrays as PNG with matplotlib, which is not installed: "
            "pip install 'sktrack[plots]' (or pass a PIL image)"
        ) from None
    matplotlib.image.imsave(buffer, pixels, format="png")


def _as_rgb_bytes(image: Any) -> Any:
    """The array as ``uint8`` RGB or RGBA pixels, refusing shapes and values that are no image."""
    import numpy as np

    array = np.asarray(image)
    shape = array.shape
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in _CHANNELS or 0 in array.shape:
        raise InvalidArgumentError(
            f"log_image got an array of shape {shape}; an image is (height, width) or "
            "(height, width, channels) with 1, 3 or 4 channels"
        )
    array = _as_uint8(array, shape)
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return array


def _as_uint8(array: Any, shape: tuple[int, ...]) -> Any:
    import numpy as np

    kind = array.dtype.kind
    if kind == "b":
        return array.astype(np.uint8) * 255
    if kind in "iu":
        if array.min() < 0 or array.max() > 255:
            raise InvalidArgumentError(
                f"log_image got integers from {array.min()} to {array.max()} (shape {shape}); "
                "integer pixels go from 0 to 255"
            )
        return array.astype(np.uint8)
    if kind == "f":
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise InvalidArgumentError(
                f"log_image got floats from {np.nanmin(array)} to {np.nanmax(array)} "
                f"(shape {shape}); float pixels go from 0 to 1 (NaN refused): divide by 255 "
                "or clip"
            )
        return np.round(array * 255).astype(np.uint8)
    raise InvalidArgumentError(
        f"log_image cannot read pixels of dtype {array.dtype}; use uint8 (0-255) or float (0-1)"
    )
