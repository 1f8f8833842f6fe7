def clean(
    gold: object,  # anything but a dict is declined (False)
    text: str,
    entity_labels: object,
    cluster_stories: object,
    story_id: str | None,
) -> bool: ...
