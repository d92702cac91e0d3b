CREATE STREAM s (a INT, b VARCHAR(8));
-- A typo: the caret points at it, and the session goes on.
SELECT STREAM a +
  nope FROM s;
SELEC STREAM a FROM s;
SELECT STREAM 'unterminated FROM s;
';
CREATE STREAM s (a INT);
\describe nothere
\stop nopump
\frobnicate
\input
\timing maybe
CREATE STREAM t (x DOUBLE)
