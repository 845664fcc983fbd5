"""A store on object storage (S3 and S3-compatible servers, GCS...) through ``pyarrow.fs``.

Object stores have no rename and no append, but a PUT to the final key is atomic, which is all
`write_atomic` needs.  `create_exclusive` is a conditional PUT (``If-None-Match: *``), which
pyarrow cannot send: on S3 it goes through boto3 (the ``s3`` extra).  With no appends, every
log call publishes a small closed segment of its own (see `_store._wal`).

Durability: a PUT that has returned is atomic and durable (S3 acknowledges a PUT only once the
object is stored redundantly, and reads after it see it whole), so every publish is already
"fsynced and renamed" when it returns, in the order the store makes them: `sync` has nothing
to do, and the ordering that `LocalFileSystem` keeps with fsyncs (a compacted file before the
segments it supersedes are deleted, a model's files before its ``model.json``, a registry copy
before its version file) holds here by the order of the PUTs and DELETEs alone.

URIs are pyarrow's, e.g. ``s3://bucket/prefix?endpoint_override=127.0.0.1:9000&scheme=http``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..exceptions import InvalidArgumentError, StoreError
from ._durability import durability_from_env
from ._fs import AppendFile, FileInfo, FileList, Names

if TYPE_CHECKING:
    import pyarrow.fs

__all__ = ["ObjectStoreFileSystem"]


class ObjectStoreFileSystem:
    """`FileSystem` over a ``pyarrow.fs`` URI; see the module docstring."""

    def __init__(self, uri: str) -> None:
        import pyarrow.fs as pafs

        self.location = uri
        self.durability = durability_from_env()  # checked here too; PUTs are durable anyway
        try:
            self._fs, root = pafs.FileSystem.from_uri(uri)
        except (ValueError, OSError) as exc:
            raise InvalidArgumentError(
                f"store URI {uri!r} is not one pyarrow can open ({exc}); use e.g. "
                "s3://bucket/prefix or a local folder"
            ) from exc
        self._root = root.rstrip("/")
        self._uri = urlsplit(uri)
        self._s3_client: Any = None

    def _key(self, path: str) -> str:
        if path.startswith("/") or ".." in path.split("/"):
            raise InvalidArgumentError(
                f"store path {path!r} escapes the store; use a relative path"
            )
        return f"{self._root}/{path}"

    def read_bytes(self, path: str) -> bytes:
        try:
            with self._fs.open_input_stream(self._key(path)) as f:
                return f.read()
        except FileNotFoundError:
            raise
        except OSError as exc:
            if (
                "NoSuchKey" in str(exc)
                or "does not exist" in str(exc)
                or "not found" in str(exc).lower()
            ):
                raise FileNotFoundError(path) from exc
            raise

    def write_atomic(
        self, path: str, data: bytes, *, lazy: bool = False, last: bool = False
    ) -> None:
        if self._uri.scheme == "s3":  # one PUT: atomic, where pyarrow may go multipart
            bucket, _, key = self._key(path).partition("/")
            self._client().put_object(Bucket=bucket, Key=key, Body=data)
            return
        with self._fs.open_output_stream(self._key(path)) as f:
            f.write(data)

    def create_exclusive(self, path: str, data: bytes) -> bool:
        if self._uri.scheme != "s3":
            raise StoreError(
                f"store {self.location}: exclusive creation is only implemented for s3:// "
                "(a conditional PUT); use a local folder or S3 for the registry"
            )
        client = self._client()
        bucket, _, key = self._key(path).partition("/")
        try:
            client.put_object(Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")
        except client.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return False
            raise StoreError(
                f"store {self.location}: conditional PUT of {path} failed: {exc}"
            ) from exc
        return True

    def _client(self) -> Any:
        if self._s3_client is None:
            try:
                import boto3
            except ImportError:
                raise StoreError(
                    "an S3 store needs boto3 for exclusive creation (conditional PUT): "
                    "pip install 'sktrack[s3]'"
                ) from None
            query = {k: v[-1] for k, v in parse_qs(self._uri.query).items()}
            endpoint = query.get("endpoint_override")
            if endpoint and "://" not in endpoint:
                endpoint = f"{query.get('scheme', 'https')}://{endpoint}"
            self._s3_client = boto3.client(
                "s3",
                endpoint_url=endpoint,
                region_name=query.get("region"),
                aws_access_key_id=query.get("access_key"),
                aws_secret_access_key=query.get("secret_key"),
            )
        return self._s3_client

    def append(self, path: str, data: bytes) -> None:
        raise StoreError(f"store {self.location}: object storage cannot append to {path}")

    def open_append(self, path: str) -> AppendFile:
        raise StoreError(f"store {self.location}: object storage cannot append to {path}")

    def sync(self) -> None:
        """Nothing to do: a PUT is durable when it returns (see the module docstring)."""

    def _infos(self, folder: str) -> list[pyarrow.fs.FileInfo]:
        import pyarrow.fs as pafs

        selector = pafs.FileSelector(self._key(folder), allow_not_found=True, recursive=False)
        return self._fs.get_file_info(selector)

    def list(self, folder: str, suffix: str = "") -> FileList:
        import pyarrow.fs as pafs

        out = [
            FileInfo(f"{folder}/{info.base_name}", info.size or 0, info.mtime_ns or 0)
            for info in self._infos(folder)
            if info.type == pafs.FileType.File
            and info.base_name.endswith(suffix)
            and not info.base_name.startswith((".", "_"))
        ]
        return sorted(out, key=lambda f: f.path)

    def count(self, folder: str, suffix: str = "") -> int:
        return len(self.list(folder, suffix))

    def list_dirs(self, folder: str) -> Names:
        import pyarrow.fs as pafs

        return sorted(i.base_name for i in self._infos(folder) if i.type == pafs.FileType.Directory)

    def exists(self, path: str) -> bool:
        import pyarrow.fs as pafs

        return self._fs.get_file_info(self._key(path)).type != pafs.FileType.NotFound

    def delete(self, path: str) -> None:
        try:
            self._fs.delete_file(self._key(path))
        except FileNotFoundError:
            pass
        except OSError as exc:
            if "NoSuchKey" not in str(exc) and "does not exist" not in str(exc):
                raise

    def local_path(self, path: str) -> str | None:
        return None

    def arrow(self) -> tuple[pyarrow.fs.FileSystem, str]:
        return self._fs, self._root
