from __future__ import annotations

from django.urls import path

from limbs import consumers

websocket_urlpatterns = [
    path("ws/generations/<uuid:generation_id>/", consumers.GenerationConsumer.as_asgi()),
    path("ws/studio/", consumers.StudioConsumer.as_asgi()),
]
