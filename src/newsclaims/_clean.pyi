from typing import Any

def clean(
    gold: dict[str, Any],
    text: str,
    entity_labels: object,
    cluster_stories: object,
    story_id: str | None,
) -> bool: ...
