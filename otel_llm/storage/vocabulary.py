"""The fixed words of the store: the values some columns hold (roles, score types and sources,
webhook events) and those trace reads accept (statuses, sort orders), plus the limits the command
line shows. Kept free of imports so that a command's ``--help`` lists them without SQLAlchemy; the
schema and the services take them from here."""

ROLES = ("viewer", "editor", "admin")
MOVER_ROLES = ("editor", "admin")  # the least roles a project may require to move protected labels

DATA_TYPES = ("numeric", "boolean", "categorical")
SCORE_SOURCES = ("human", "api", "evaluator")

VERSION_CREATED = "prompt.version_created"
LABEL_MOVED = "prompt.label_moved"
VERSION_ARCHIVED = "prompt.version_archived"
EVENTS = (VERSION_CREATED, LABEL_MOVED, VERSION_ARCHIVED)

SORTS = ("time", "duration", "cost")
STATUSES = ("ok", "error")  # ok: no error recorded (OpenTelemetry OK or UNSET)

DELETE_BATCH_SIZE = 5_000  # spans per retention delete; spans sharing a batch's last start time go with it
MAX_DATASET_SPANS = 1000  # spans one `datasets add-spans` takes
DATASET_FORMATS = ("jsonl", "csv")
DELIVERY_LOG_LIMIT = 200  # webhook deliveries one read returns at most
