"""Individual income tax withheld on labour remuneration (劳务报酬所得), per payment.

The withholding rule of the State Taxation Administration (国家税务总局公告2018年第61号):

* income per payment ≤ 4,000: taxable income = income − 800; above: income × (1 − 20 %);
* withholding rate on the taxable income (预扣率): ≤ 20,000 → 20 %; 20,000–50,000 → 30 % minus a
  quick deduction of 2,000; above 50,000 → 40 % minus 7,000.

A payment to the doctor's hospital (not to the doctor) withholds nothing here: the hospital pays
its staff and withholds itself.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
BRACKETS = (  # (upper bound of the taxable income, rate, quick deduction)
    (Decimal("20000"), Decimal("0.20"), Decimal("0")),
    (Decimal("50000"), Decimal("0.30"), Decimal("2000")),
    (None, Decimal("0.40"), Decimal("7000")),
)


def taxable_income(gross: Decimal) -> Decimal:
    gross = Decimal(gross)
    if gross <= 0:
        return Decimal("0.00")
    if gross <= 4000:
        return max(gross - 800, Decimal("0")).quantize(CENT)
    return (gross * Decimal("0.8")).quantize(CENT, ROUND_HALF_UP)


def labour_remuneration_tax(gross: Decimal) -> Decimal:
    """The tax to withhold from one payment of ``gross`` CNY of labour remuneration."""
    taxable = taxable_income(gross)
    for upper, rate, deduction in BRACKETS:
        if upper is None or taxable <= upper:
            return max(taxable * rate - deduction, Decimal("0")).quantize(CENT, ROUND_HALF_UP)
    raise AssertionError("unreachable")


def net_of_tax(gross: Decimal, *, to_hospital: bool = False) -> tuple[Decimal, Decimal]:
    """``(tax withheld, net paid)`` of a payment of ``gross``."""
    gross = Decimal(gross).quantize(CENT)
    tax = Decimal("0.00") if to_hospital else labour_remuneration_tax(gross)
    return tax, gross - tax
