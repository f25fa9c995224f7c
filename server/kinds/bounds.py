"""How much of a result that grows with the hall a phone gets: fixed bounds, whatever N is.

A phone frame goes to every phone on every tick, so a frame that grows with the number of
participants makes the fan-out N² in bytes. The big screen and the remote keep everything.
"""

from __future__ import annotations

CHECKOUT_TOP = 20  # the words most stepped in on
CHECKOUT_NEWEST = 5  # and the newest few, so that a word just added is seen at once
FIND_LIMIT = 10  # check-out words per `found` reply
WORDCLOUD_TOP = 40  # the words counted most
WALL_NEWEST = 30  # open answers and cards: highlighted first, then the newest
GROUP_MEMBERS = 30  # names per group (the count is always the whole group)
QUIZ_TOP = 10  # a quiz's leaderboard: the top 10; each phone gets its own rank besides
