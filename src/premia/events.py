"""Interventions on a timeline (DESIGN §1.9).

Each ``[[event]]`` has a period ``at`` and a ``kind``; its other fields depend on the kind.
Events are applied at the start of period ``at``, before prices and demand.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40)]
_Account = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40,
                                description="public account that pays: national or a region id")]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: int = Field(ge=0, le=2400, description="period at whose start the event applies")
    enabled: bool = Field(True, description="a disabled event is kept in the file but not applied")

    @model_validator(mode="before")
    @classmethod
    def _no_booleans(cls, data: object) -> object:
        from premia.scenario import reject_booleans

        return reject_booleans(cls, data)


class Modernize(_Event):
    """Force a modern share on a category's firms ("let the backward face elimination").

    The machines cost ``machine_capital`` of the category per unit of machine capacity
    bought, paid by the workshops or by a public account.
    """

    kind: Literal["modernize"]
    category: _Id
    share: float = Field(1.0, ge=0, le=1, description="modern share m imposed")
    region: _Id | None = Field(None, description="only firms of this region (default: all)")
    paid_by: Literal["workshops", "budget"] = Field(
        "workshops", description="who pays for the machines"
    )
    account: _Account = "national"


class MergeMarkets(_Event):
    """Judge a culture category on the terms of a functional one: one choice set, beta -> 0."""

    kind: Literal["merge_markets"]
    category: _Id = Field(description="the culture category that is merged")
    into: _Id = Field(description="the functional category whose market it joins")


class Media(_Event):
    """Spend a media budget per period on a culture's mass reach."""

    kind: Literal["media"]
    culture: _Id
    budget: float = Field(ge=0, le=1e12, description="yuan per month")
    until: int | None = Field(None, ge=0, le=2400, description="last period (default: end)")
    account: _Account = "national"

    @model_validator(mode="after")
    def _until_after_start(self) -> Media:
        if self.until is not None and self.until < self.at:
            raise ValueError(f"until={self.until} is before at={self.at}")
        return self


class Heritage(_Event):
    """Spend a budget per period on a culture's cultural capital M_k (heritage work:
    archives, training of artisans, museums), at the culture's ``heritage_efficiency``."""

    kind: Literal["heritage"]
    culture: _Id
    budget: float = Field(ge=0, le=1e12, description="yuan per month")
    until: int | None = Field(None, ge=0, le=2400, description="last period (default: end)")
    account: _Account = "national"

    @model_validator(mode="after")
    def _until_after_start(self) -> Heritage:
        if self.until is not None and self.until < self.at:
            raise ValueError(f"until={self.until} is before at={self.at}")
        return self


class CreatorStart(_Event):
    """Start a creator (declared in ``[[creator]]``) and its cooperative."""

    kind: Literal["creator"]
    creator: _Id


class Subsidy(_Event):
    """Pay a share of entrants' sunk cost (``target = "entry"``: subsidised capacity) or of
    the machines that workshops choose to buy (``target = "machines"``)."""

    kind: Literal["subsidy"]
    category: _Id
    share: float = Field(ge=0, le=1, description="share of the cost paid by the account")
    target: Literal["entry", "machines"] = Field("entry", description="what is subsidised")
    account: _Account = "national"

    @model_validator(mode="before")
    @classmethod
    def _replaced(cls, data: object) -> object:
        if isinstance(data, dict) and "push" in data:
            raise ValueError("push is no longer a field: a subsidy now pays a share of "
                             "entrants' sunk cost (share, target = \"entry\")")
        return data


class Patent(_Event):
    """Change a category's patent length."""

    kind: Literal["patent"]
    category: _Id
    length: int = Field(ge=0, le=2400, description="L in months")


class Shock(_Event):
    """Multiply a category's purchase rate (a demand shock)."""

    kind: Literal["shock"]
    category: _Id
    factor: float = Field(gt=0, le=100, description="multiplier of phi_c")


Event = Annotated[
    Modernize | MergeMarkets | Media | Heritage | CreatorStart | Subsidy | Patent | Shock,
    Field(discriminator="kind"),
]
