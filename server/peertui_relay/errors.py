"""The relay's one error shape: {"error": {"code", "message", "field"?}} with a status."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        retry_after: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.retry_after = retry_after
        self.extra = extra or {}

    def response(self) -> JSONResponse:
        error: dict[str, Any] = {"code": self.code, "message": self.message, **self.extra}
        headers = {}
        if self.field is not None:
            error["field"] = self.field
        if self.retry_after is not None:
            seconds = max(1, int(self.retry_after + 0.999))
            error["retry_after"] = seconds
            headers["Retry-After"] = str(seconds)
        return JSONResponse({"error": error}, status_code=self.status, headers=headers)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_field", message, field=field)
