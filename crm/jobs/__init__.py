"""Background jobs: large imports run in a worker, with progress (``GET /api/imports/{id}``).

On PostgreSQL the queue is procrastinate's (its tables live in the same database); on SQLite
a thread pool in the server process runs them. Both behind ``runners.JobRunner``.
"""
