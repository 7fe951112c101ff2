"""Demo products and key messages, distributors with coverage, agreements and staff, usage share,
sales and shipments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.models import Role, Territory, User
from hospitals.demo.bulk import _month
from hospitals.demo.data import (
    DISTRIBUTORS,
    JS,
    KEY_MESSAGES,
    MARKER_PREFIX,
    PRODUCTS,
    SH,
    STAFF_DISTRIBUTOR,
    G,
)
from hospitals.models import (
    AgreementProduct,
    AgreementStatus,
    ClinicalTitle,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorStaff,
    KeyMessage,
    Product,
    ProductCompetitor,
    SalesRecord,
    Shipment,
    UsageShare,
)


class TradeSeeder:
    """Products, distributors, usage share, sales and shipments."""

    # --- products, distributors ------------------------------------------------------------

    def products(self):
        spec = PRODUCTS.get(self.tenant.code, PRODUCTS["huakang"])
        rows, links, messages = [], [], []
        for name, generic, area, company, _depts, _price, _code, competitors in spec:
            rows.append(Product(tenant=self.tenant, name=name, generic_name=generic, therapeutic_area=area,
                                is_own=True, company=company or self.tenant.name))  # fmt: skip
            for c_name, c_generic, c_area, c_company in competitors:
                rows.append(Product(tenant=self.tenant, name=c_name, generic_name=c_generic, therapeutic_area=c_area,
                                    is_own=False, company=c_company))  # fmt: skip
        self._bulk(Product, rows, "products", ignore_conflicts=True)
        by_name = {p.name: p for p in Product.objects.for_tenant(self.tenant).filter(name__in=[r.name for r in rows])}
        self.own_products = []  # (product, departments, price, lot code, competitors)
        for name, _generic, _area, _company, depts, price, code, competitors in spec:
            product = by_name[name]
            rivals = [by_name[c[0]] for c in competitors]
            self.own_products.append((product, set(depts), Decimal(price), code, rivals))
            links += [ProductCompetitor(tenant=self.tenant, product=product, competitor=r) for r in rivals]
            messages += [
                KeyMessage(tenant=self.tenant, product=product, text=text, order=i)
                for i, text in enumerate(KEY_MESSAGES.get(name, []), 1)
            ]
        self._bulk(ProductCompetitor, links, "competitor links", ignore_conflicts=True)
        self._bulk(KeyMessage, messages, "key messages")

    def distributors(self):
        rows = [
            Distributor(
                tenant=self.tenant,
                name=name,
                kind=kind,
                licence_no=f"{prefix}AA{self.rnd.randint(1000000, 9999999)}",
                regions=regions,
                external_id=f"{MARKER_PREFIX}DIST{i}",
            )
            for i, (name, kind, prefix, regions) in enumerate(DISTRIBUTORS, 1)
        ]
        self._bulk(Distributor, rows, "distributors", ignore_conflicts=True)
        by_name = {
            d.name: d for d in Distributor.objects.for_tenant(self.tenant).filter(name__in=[r.name for r in rows])
        }
        self.distributor_objs = [by_name[r.name] for r in rows]

        # Coverage: the regional distributors serve every hospital of their province; the national
        # agent serves some 3A hospitals for the first product, and used to serve others.
        coverage, self.coverage_pairs = [], []
        since = _month(self.today, -30)
        sh_a, sh_b, js, bj, agent = self.distributor_objs
        for i, hospital in enumerate(self.hospital_objs):
            if hospital.province == SH:
                serving = sh_a if i % 2 else sh_b
            elif hospital.province == JS:
                serving = js
            else:
                serving = bj
            coverage.append(
                DistributorCoverage(tenant=self.tenant, distributor=serving, hospital=hospital, since=since)
            )
            self.coverage_pairs.append((serving, hospital, None))
        first_product = self.own_products[0][0]
        for hospital in [h for h in self.hospital_objs if h.grade == G.G3A][::4]:
            coverage.append(DistributorCoverage(tenant=self.tenant, distributor=agent, hospital=hospital,
                                                product=first_product, since=_month(self.today, -12)))  # fmt: skip
            self.coverage_pairs.append((agent, hospital, first_product))
        for hospital in [h for h in self.hospital_objs if h.grade == G.G2A][::5]:
            ended = DistributorCoverage(tenant=self.tenant, distributor=agent, hospital=hospital,
                                        since=_month(self.today, -36), until=_month(self.today, -13))  # fmt: skip
            coverage.append(ended)
        self._bulk(DistributorCoverage, coverage, "coverage rows", ignore_conflicts=True)

        # Agreements: one current agreement per distributor for its district, an expired one for Jiangsu.
        districts = {t.code: t for t in Territory.objects.for_tenant(self.tenant).filter(code__in=["SH", "JS", "BJ"])}
        prefix = self.tenant.code[:2].upper()
        year = self.today.year
        agreements, products = [], []
        plan = [
            (sh_a, "SH", AgreementStatus.ACTIVE, year - 1, year + 1),
            (sh_b, "SH", AgreementStatus.ACTIVE, year - 1, year + 1),
            (js, "JS", AgreementStatus.ACTIVE, year - 1, year + 1),
            (js, "JS", AgreementStatus.EXPIRED, year - 3, year - 2),
            (bj, "BJ", AgreementStatus.ACTIVE, year, year + 1),
            (agent, None, AgreementStatus.ACTIVE, year, year),
        ]
        for i, (distributor, district, status, start, end) in enumerate(plan, 1):
            agreement = DistributorAgreement(
                tenant=self.tenant,
                distributor=distributor,
                number=f"{prefix}-AG-{start}-{i:03d}",
                territory=districts.get(district),
                start=datetime.date(start, 1, 1),
                end=datetime.date(end, 12, 31),
                target_value=Decimal(self.rnd.randint(300, 3000) * 10000),
                status=status,
            )
            agreements.append(agreement)
        self._bulk(DistributorAgreement, agreements, "agreements", ignore_conflicts=True)
        saved = {a.number: a for a in DistributorAgreement.objects.for_tenant(self.tenant)}
        for agreement in agreements:
            agreement = saved[agreement.number]
            items = [first_product] if agreement.distributor_id == agent.pk else [p for p, *_ in self.own_products]
            products += [AgreementProduct(tenant=self.tenant, agreement=agreement, product=p) for p in items]
        self._bulk(AgreementProduct, products, "agreement products", ignore_conflicts=True)

        # The demo distributor reps work for the Jiangsu dealer, which covers the JS-NJ hospitals.
        reps = User.objects.in_tenant(self.tenant).with_role(Role.DISTRIBUTOR_REP)
        self._bulk(
            DistributorStaff,
            [DistributorStaff(tenant=self.tenant, user=u, distributor=by_name[STAFF_DISTRIBUTOR]) for u in reps],
            "distributor staff",
            ignore_conflicts=True,
        )

    # --- usage share, sales, shipments -----------------------------------------------------

    def usage_share(self):
        """12 months of usage for a subset of doctors of each product's departments: ours, slowly
        gaining, and the competitors' sharing most of the rest."""
        months = [_month(self.today, -i) for i in range(11, -1, -1)]
        rows = []
        for product, depts, _price, _code, rivals in self.own_products:
            doctors = [
                d
                for d in self.doctor_objs
                if self.dept_key(self.dept_by_id[d.department_id]) in depts
                and d.clinical_title != ClinicalTitle.RESIDENT
            ]
            for doctor in self.rnd.sample(doctors, len(doctors) // 2):
                ours = self.rnd.uniform(0, 35)
                theirs = [self.rnd.uniform(10, 60) for _ in rivals]
                trend = self.rnd.uniform(-0.8, 1.5)
                total = self.rnd.randint(40, 400)  # the doctor's monthly prescriptions in the class
                for month in months:
                    ours = min(max(ours + trend + self.rnd.uniform(-2, 2), 0), 90)
                    room = 100 - ours
                    scale = min(1.0, room / max(sum(theirs), 1))
                    shares = [ours] + [t * scale for t in theirs]
                    volume = total * self.rnd.uniform(0.85, 1.15)
                    for p, share in zip([product, *rivals], shares, strict=True):
                        rows.append(
                            {
                                "tenant_id": self.tenant.pk,
                                "doctor_id": doctor.pk,
                                "product_id": p.pk,
                                "period": month,
                                "share": round(share, 2),
                                "volume": round(volume * share / 100, 2),
                            }
                        )
        self._fast(UsageShare, rows, "usage share rows", ignore_conflicts=True)

    def sales_and_shipments(self):
        """24 months of sell-in/sell-out by distributor, hospital and product, and the shipments
        (lots) behind the sell-out: one lot code per product and month, shipped to many hospitals."""
        months = [_month(self.today, -i) for i in range(24, 0, -1)]
        dept_keys = {h: {self.dept_key(d) for d in depts} for h, depts in self.departments_of.items()}
        sales, shipments = [], []
        for distributor, hospital, only in self.coverage_pairs:
            for product, depts, price, code, _rivals in self.own_products:
                if (only is not None and product != only) or not (depts & dept_keys[hospital.pk]):
                    continue
                size = max(hospital.beds or 50, 50) / 40
                base = self.rnd.uniform(0.5, 1.5) * size * (60 if price < 100 else 8)
                growth = self.rnd.uniform(-0.01, 0.04)
                for i, month in enumerate(months):
                    seasonal = 0.85 if month.month == 2 else (1.1 if month.month in (3, 9) else 1.0)
                    out_units = max(0, int(base * (1 + growth) ** i * seasonal * self.rnd.uniform(0.85, 1.15)))
                    in_units = max(0, int(out_units * self.rnd.uniform(0.9, 1.15)))
                    sales.append(
                        {
                            "tenant_id": self.tenant.pk,
                            "distributor_id": distributor.pk,
                            "hospital_id": hospital.pk,
                            "product_id": product.pk,
                            "month": month,
                            "sell_in_units": in_units,
                            "sell_in_value": (price * Decimal("0.92") * in_units).quantize(Decimal("0.01")),
                            "sell_out_units": out_units,
                            "sell_out_value": price * out_units,
                        }
                    )
                    if out_units == 0:
                        continue
                    parts = 2 if out_units > 40 and self.rnd.random() < 0.5 else 1
                    for part in range(parts):
                        quantity = out_units // parts + (out_units % parts if part == 0 else 0)
                        made = _month(month, -self.rnd.randint(1, 3))
                        lot = f"{code}{made:%y%m}{self.rnd.randint(1, 3):02d}"
                        shipped = month + datetime.timedelta(
                            days=self.rnd.randint(0, 25) if parts == 1 else 14 * part + 2
                        )
                        shipments.append(
                            {
                                "tenant_id": self.tenant.pk,
                                "distributor_id": distributor.pk,
                                "hospital_id": hospital.pk,
                                "product_id": product.pk,
                                "lot_number": lot,
                                "quantity": quantity,
                                "shipped_on": shipped,
                                "expiry_date": _month(made, 24 if price < 300 else 36) - datetime.timedelta(days=1),
                            }
                        )
        self._fast(SalesRecord, sales, "sales records", ignore_conflicts=True)
        self._fast(Shipment, shipments, "shipments")
