"""moto_server with atomic conditional writes.

S3 decides a conditional PUT (If-None-Match: *) and writes the object as one
step: of several racing creates exactly one succeeds, which Delta commits on
S3 rely on. moto checks for the key and then writes it as two steps on a
threaded server, so under load two racing creates can both succeed. This
launcher serializes object writes (PUT, and POST completing a multipart
upload) with one lock, then runs moto_server with the given arguments.
"""
import sys
import threading

from moto.s3.responses import S3Response
from moto.server import main

_write_lock = threading.Lock()


def _serialized(method):
    def run(self, *args, **kwargs):
        with _write_lock:
            return method(self, *args, **kwargs)

    return run


S3Response.put_object = _serialized(S3Response.put_object)
S3Response._key_response_post = _serialized(S3Response._key_response_post)

if __name__ == "__main__":
    main(sys.argv[1:])
