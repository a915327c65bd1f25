"""A FastAPI route class that answers an unexpected error right at the route.

Past the route, Starlette would answer and then re-raise, and uvicorn drop the connection; a
route made with ``guarded_route`` answers with ``on_error`` (after logging) instead and keeps
serving. Exceptions in ``passthrough`` go on to the app's handlers as usual.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

ErrorAnswer = Callable[[Request, Exception], Awaitable[Response]]


def guarded_route(on_error: ErrorAnswer, *passthrough: type[Exception]) -> type[APIRoute]:
    """A route class whose unexpected exceptions become ``on_error(request, exc)``."""
    expected = (HTTPException, RequestValidationError, *passthrough)

    class GuardedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                try:
                    return await handler(request)
                except expected:
                    raise
                except Exception as exc:
                    return await on_error(request, exc)

            return guarded

    return GuardedRoute
