"""Outlines on DeepSeek: ``outlines.from_openai(create_client(), "deepseek-flash")``.

A pydantic output type makes Outlines send ``response_format`` ``json_schema``: DeepSeek's 400 through a raw client;
through ours it goes out as ``json_object`` with the schema in a system message.
"""

from __future__ import annotations

import openai
import outlines
import pytest
from outlines.exceptions import BadRequestError
from pydantic import BaseModel

from deepseek_openai import CompatWarning, create_client
from deepseek_openai.testing import FakeDeepSeek

from .conftest import assert_schema_as_json_object, chat_requests, deepseek_400


class City(BaseModel):
    name: str
    country: str


def test_structured_output_works_through_our_client(ds: FakeDeepSeek) -> None:
    with pytest.warns(CompatWarning, match="json_schema"):
        text = outlines.from_openai(create_client(), "deepseek-flash")("Paris", City)
    assert isinstance(City.model_validate_json(text), City)
    assert_schema_as_json_object(chat_requests(ds)[0], field="country")


def test_structured_output_fails_through_raw_openai(ds: FakeDeepSeek, raw_client: openai.OpenAI) -> None:
    with pytest.raises(BadRequestError, match=deepseek_400("json_schema")):
        outlines.from_openai(raw_client, "deepseek-flash")("Paris", City)
    assert chat_requests(ds)[0]["response_format"]["type"] == "json_schema"
