"""Unsafe deserialization (CWE-502): Lambda events and uploads into pickle/yaml/marshal."""
import base64
import json
import marshal
import pickle

import jsonpickle
import yaml


def decode_state(blob):
    # ruleid: python/unsafe-deserialization
    return pickle.loads(base64.b64decode(blob))


def handler(event, context):
    body = event["body"]
    decode_state(body)
    # ruleid: python/unsafe-deserialization
    config = yaml.load(body)
    # ruleid: python/unsafe-deserialization
    obj = jsonpickle.decode(event["queryStringParameters"]["state"])
    # ruleid: python/unsafe-deserialization
    code = marshal.loads(bytes.fromhex(body))
    # ok: python/unsafe-deserialization
    data = json.loads(body)
    # ok: python/unsafe-deserialization
    safe = yaml.safe_load(body)
    # ok: python/unsafe-deserialization
    also_safe = yaml.load(body, Loader=yaml.SafeLoader)
    # ok: python/unsafe-deserialization
    copy = pickle.loads(pickle.dumps({"a": 1}))
    return {"statusCode": 200, "body": json.dumps([config, obj, str(code), data, safe, also_safe, copy])}


def load_settings():
    # ruleid: python/unsafe-deserialization
    return yaml.load("debug: true")
