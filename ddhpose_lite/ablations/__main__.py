"""``python -m ddhpose_lite.ablations``: see ``cli``."""
from .cli import main

main()
