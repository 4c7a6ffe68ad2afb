"""The lessons' exercises: one module of checks per lesson, the worked solutions in ``solutions``.

In a lesson::

    from ddhpose_lite.lessons import lesson02 as exercises
    exercises.check_forward_kinematics(forward_kinematics)   # prints "not yet", what is off, or "correct!"

Every lesson has a warm-up, a core and a stretch exercise. Their checks test your code on cases
the package's own functions cannot solve for you (other trees, hand-made tensors, variants the
package does not implement). Stuck? ``ddhpose_lite/lessons/solutions.py`` has a worked solution
for each; ``show_solution(2, 3)`` prints one. Open it on purpose, after trying. These are
lesson helpers: unlike the rest of the package, they print.
"""
from . import lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, solutions
from ._exercise import EXERCISES, LEVELS, Exercise, Verdict, show_solution, solution_of

__all__ = ["EXERCISES", "LEVELS", "Exercise", "Verdict", "lesson01", "lesson02", "lesson03", "lesson04", "lesson05",
           "lesson06", "lesson07", "lesson08", "show_solution", "solution_of", "solutions"]
