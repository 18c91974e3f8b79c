"""How notebook 01's data is drawn: the generator of :mod:`pmcourse.scenarios.usage_drop`.

Kept apart from the scenario's spec so each module holds one concern; the story it draws is told in
``usage_drop``'s docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmcourse.diagnose import compare_windows, mix_rate
from pmcourse.scenarios import synth
from pmcourse.scenarios.spec import Draw, Size

PLATFORMS = ("ios", "android", "web")
MOBILE = ("ios", "android")
TENURES = ("new", "established")
LOCALES = ("en-US", "en-GB", "de-DE", "ja-JP")
LOCALES_LARGE = (*LOCALES, "fr-FR", "es-ES", "pt-BR", "it-IT")
COUNTRY = {
    "en-US": "the United States",
    "en-GB": "the United Kingdom",
    "de-DE": "Germany",
    "ja-JP": "Japan",
    "fr-FR": "France",
    "es-ES": "Spain",
    "pt-BR": "Brazil",
    "it-IT": "Italy",
}
PLATFORM_NAME = {"ios": "iOS", "android": "Android", "web": "web"}
CLIENT_COLUMNS = ("entry_point_clicks", "summaries_requested", "summaries_accepted", "thumbs_down")
#: Days in a case: the last 70 days hold the story (10 weeks, Monday to Sunday); ``large``
#: prepends two years of history (and four more locales) for benchmarks.
SIZES = {"small": Size(days=70), "default": Size(days=70), "large": Size(days=70 + 7 * 94)}
#: Positions within the last 70 days: baseline weeks 2-5, the flagged week is week 8.
BASELINE = (7, 34)
FLAGGED = (49, 55)
COMPETITORS = ("Brieflet", "Skimwise", "Docsy", "Gistly")
CAMPAIGNS = ("free 50 GB for a year", "three months of Pro free", "a referral bonus")
#: What the team can ship before the decision bites; drawn last, so the data never depends on it.
CONSTRAINTS = ("release_train_open", "app_release_freeze")
#: The head of AI reviews the decision this many days after the next app release ships.
REVIEW_AFTER_RELEASE_DAYS = 28


def windows(index: pd.DatetimeIndex) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """The review's windows in the story's last 70 days: baseline weeks, flagged week, last week.

    Examples
    --------
    >>> index = pd.date_range("2026-03-02", periods=70, freq="D")
    >>> [f"{a:%m-%d}..{b:%m-%d}" for a, b in windows(index).values()]
    ['03-09..04-05', '04-20..04-26', '05-04..05-10']
    """
    base = len(index) - 70
    return {
        "baseline": (index[base + BASELINE[0]], index[base + BASELINE[1]]),
        "flagged": (index[base + FLAGGED[0]], index[base + FLAGGED[1]]),
        "late": (index[-7], index[-1]),
    }


def _plateau(
    index: pd.DatetimeIndex,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    ramp_in: int = 2,
    ramp_out: int = 3,
) -> np.ndarray:
    """0 outside [start, end], ramping up over ``ramp_in`` days and down over ``ramp_out``."""
    up = synth.ramp(index, start, duration_days=ramp_in)
    down = synth.ramp(index, end, duration_days=ramp_out)
    return np.clip(up - down, 0, 1)


def generate(rng: np.random.Generator, variant: str, size: Size) -> Draw:
    """Draw one case's data (the engine adds the truth; called through :func:`load_case`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    variant : str
        One of the spec's causes, the hidden cause.
    size : Size
        The knobs of the case size (``large`` is for benchmarks).

    Returns
    -------
    Draw

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=1, variant="campaign_low_intent_mix")
    >>> sorted(case.tables)
    ['app_versions', 'daily']

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    n = size.days
    locales = LOCALES_LARGE if size.name == "large" else LOCALES
    base = n - 70
    # the story's first day is a Monday between February and August
    story_start = pd.Timestamp("2026-02-02") + pd.Timedelta(days=7 * int(rng.integers(0, 28)))
    index = synth.days(story_start - pd.Timedelta(days=base), n)
    onset_i = base + int(rng.integers(36, 43))
    onset = index[onset_i]

    # ---- the knobs -------------------------------------------------------------------------
    platform_share = synth.segment_shares(rng, PLATFORMS, base=[0.42, 0.36, 0.22], concentration=60)
    locale_base = [0.38, 0.2, 0.24, 0.18] + [0.1] * (len(locales) - 4)
    locale_share = synth.segment_shares(rng, locales, base=locale_base, concentration=60)
    new_share = float(rng.uniform(0.12, 0.2))
    dau = float(rng.uniform(250_000, 400_000))
    clicks_per_user = {p: float(rng.uniform(0.26, 0.36)) for p in PLATFORMS}
    new_intent = float(rng.uniform(0.3, 0.45))  # new users' clicks per user, relative
    per_click = float(rng.uniform(0.75, 0.85))
    accept = {loc: float(rng.uniform(0.55, 0.7)) for loc in locales}
    thumbs = {loc: float(rng.uniform(0.025, 0.045)) for loc in locales}
    retry = float(rng.uniform(0.01, 0.03))

    target_platform = synth.pick(rng, MOBILE)
    target_locale = synth.pick(rng, locales[:4])
    effect = {
        # share of the platform's clicks lost on the new version
        "nav_refresh_hid_entry_point": rng.uniform(0.42, 0.65),
        # top-line fall to aim at; the in-locale effect is this over the locale's share
        "locale_model_regression": rng.uniform(0.18, 0.27),
        "client_sdk_event_loss": rng.uniform(0.42, 0.65),
        "seasonal_holiday_lull": rng.uniform(0.16, 0.26),
        "competitor_launch_one_market": rng.uniform(0.17, 0.26),
        "campaign_low_intent_mix": rng.uniform(2.6, 4.0),
    }[variant]
    effect = float(effect)

    # ---- the timeline: every case holds the same kinds of events ----------------------------
    # each event kind gets a date; the cause's event sits on the onset, one decoy within a few
    # days of it, the rest anywhere in the story
    cause_kind = {
        "nav_refresh_hid_entry_point": "release",
        "client_sdk_event_loss": "release",
        "locale_model_regression": "deploy",
        "seasonal_holiday_lull": "holiday",
        "competitor_launch_one_market": "market",
        "campaign_low_intent_mix": "campaign",
    }[variant]
    slots = [
        "release_ios",
        "release_android",
        "deploy",
        "holiday",
        "market",
        "campaign",
        "pipeline",
    ]
    cause_slot = f"release_{target_platform}" if cause_kind == "release" else cause_kind
    decoys = [s for s in slots if s != cause_slot]
    near = synth.pick(rng, decoys)
    dates: dict[str, int] = {cause_slot: onset_i}
    offset = int(rng.choice([-4, -3, -2, -1, 1, 2, 3, 4]))
    dates[near] = onset_i + offset
    for s in decoys:
        if s == near:
            continue
        if s == "holiday":
            # a decoy holiday period must end before the last week, so it never mimics recovery
            dates[s] = base + int(rng.integers(3, 48))
        else:
            dates[s] = base + int(rng.integers(3, 63))
    if dates["holiday"] > base + 47 and "holiday" != cause_slot:
        dates["holiday"] = base + 47
    d = {s: index[i] for s, i in dates.items()}

    market_locale = (
        target_locale if variant == "competitor_launch_one_market" else synth.pick(rng, locales[:4])
    )
    competitor = synth.pick(rng, COMPETITORS)
    offer = synth.pick(rng, CAMPAIGNS)
    major = int(rng.integers(6, 9))
    minor = {p: int(rng.integers(1, 8)) for p in MOBILE}
    versions = {p: (f"{major}.{minor[p]}", f"{major}.{minor[p] + 1}") for p in MOBILE}
    model_version = int(rng.integers(3, 7))
    # the lull covers the flagged week and ends at least a week before the data does
    holiday_len = (
        base + int(rng.integers(55, 59)) - onset_i
        if variant == "seasonal_holiday_lull"
        else int(rng.integers(7, 12))
    )
    holiday_end = d["holiday"] + pd.Timedelta(days=holiday_len)
    half_life = {p: float(rng.uniform(3, 6)) for p in MOBILE}
    ceiling = {p: float(rng.uniform(0.88, 0.96)) for p in MOBILE}

    events = [
        (
            d["release_ios"],
            f"iOS app {versions['ios'][1]}",
            "release",
            "Redesigned navigation bar; analytics SDK update; bug fixes. Phased App Store rollout.",
        ),
        (
            d["release_android"],
            f"Android app {versions['android'][1]}",
            "release",
            "Redesigned navigation bar; analytics SDK update; bug fixes. Staged Play Store rollout.",
        ),
        (
            d["deploy"],
            f"Summariser model v{model_version}.0 deployed",
            "deploy",
            "Server-side model update for every locale; offline evaluation passed.",
        ),
        (
            d["holiday"],
            "School holidays begin",
            "holiday",
            f"School holidays in most markets until {holiday_end:%d %B}.",
        ),
        (
            d["market"],
            f"{competitor} launches AI summaries",
            "market",
            f"{competitor} launches free AI file summaries in {COUNTRY[market_locale]}.",
        ),
        (
            d["campaign"],
            "Growth campaign",
            "campaign",
            f"Sign-up campaign in every market: {offer} for new accounts.",
        ),
        (
            d["pipeline"],
            "Analytics ingestion migrated",
            "pipeline",
            "Client events now flow through the new ingestion service; dashboards unchanged.",
        ),
    ]
    tl = synth.timeline(events)

    # ---- active users per (day, platform, locale, tenure) ----------------------------------
    P, L, T = len(PLATFORMS), len(locales), len(TENURES)
    shape = (n, P, L, T)
    week_users = synth.weekly_profile(index, weekend_dip=float(rng.uniform(0.25, 0.35)), rng=rng)
    week_clicks = synth.weekly_profile(index, weekend_dip=float(rng.uniform(0.15, 0.25)), rng=rng)
    ps = np.array([platform_share[p] for p in PLATFORMS])
    ls = np.array([locale_share[x] for x in locales])
    ts = np.array([new_share, 1 - new_share])
    users_mean = (
        dau
        * week_users[:, None, None, None]
        * ps[None, :, None, None]
        * ls[None, None, :, None]
        * ts[None, None, None, :]
    )
    intent = np.ones(shape)
    intent *= week_clicks[:, None, None, None]
    intent *= np.array([clicks_per_user[p] for p in PLATFORMS])[None, :, None, None]
    intent *= np.array([new_intent, 1.0])[None, None, None, :]

    # school holidays: weak everywhere in most cases, the cause in one variant
    lull_depth = effect if variant == "seasonal_holiday_lull" else float(rng.uniform(0.02, 0.05))
    lull = _plateau(index, d["holiday"], holiday_end) * lull_depth
    intent *= (1 - lull)[:, None, None, None]
    users_mean = users_mean * (1 - 0.4 * lull)[:, None, None, None]

    # growth campaign: new sign-ups multiply (a token bump when it is a decoy)
    mult = effect if variant == "campaign_low_intent_mix" else float(rng.uniform(1.05, 1.15))
    camp = synth.ramp(index, d["campaign"], duration_days=3)
    users_mean[:, :, :, 0] *= (1 + (mult - 1) * camp)[:, None, None]

    li = locales.index(target_locale)
    ramp_competitor = synth.ramp(index, onset, duration_days=float(rng.uniform(12, 20)))
    # effects in one locale are sized so the top line falls by about a fifth
    locale_effect = float(np.clip(effect / locale_share[target_locale], 0.25, 0.85))
    if variant == "competitor_launch_one_market":
        new_effect = min(0.92, locale_effect * float(rng.uniform(2.2, 3.0)))
        intent[:, :, li, 0] *= (1 - new_effect * ramp_competitor)[:, None]
        intent[:, :, li, 1] *= (1 - locale_effect * ramp_competitor)[:, None]
        users_mean[:, :, li, 0] *= (1 - float(rng.uniform(0.2, 0.4)) * ramp_competitor)[:, None]
    lag = int(rng.integers(2, 6))
    ramp_model = synth.ramp(
        index, onset + pd.Timedelta(days=lag), duration_days=float(rng.uniform(6, 10))
    )
    if variant == "locale_model_regression":
        intent[:, :, li, :] *= (1 - locale_effect * ramp_model)[:, None, None]

    users = synth.nb_counts(rng, users_mean, dispersion=400)

    # ---- split each cell over app versions by adoption -------------------------------------
    rows = []
    adoption = {
        p: synth.logistic_adoption(
            index, d[f"release_{p}"], half_life_days=half_life[p], ceiling=ceiling[p]
        )
        for p in MOBILE
    }
    for pi, p in enumerate(PLATFORMS):
        if p == "web":
            rows.append((pi, "web", users[:, pi], np.zeros(n, dtype=bool)))
            continue
        on_new = synth.binomial_counts(
            rng, users[:, pi], adoption[p][:, None, None] * np.ones((1, L, T))
        )
        rows.append((pi, versions[p][0], users[:, pi] - on_new, np.zeros(n, dtype=bool)))
        rows.append((pi, versions[p][1], on_new, np.ones(n, dtype=bool)))

    frames = []
    date_grid, loc_grid, ten_grid = np.meshgrid(
        np.arange(n), np.arange(L), np.arange(T), indexing="ij"
    )
    for pi, version, active, is_new in rows:
        if is_new.any():
            # a new version exists in the table from its release day on
            keep = date_grid >= dates[f"release_{PLATFORMS[pi]}"]
        else:
            keep = np.ones_like(active, dtype=bool)
        fi, li_, ti = date_grid[keep], loc_grid[keep], ten_grid[keep]
        rate = intent[fi, pi, li_, ti]
        new_version = bool(is_new.any())
        if (
            variant == "nav_refresh_hid_entry_point"
            and new_version
            and PLATFORMS[pi] == target_platform
        ):
            rate = rate * (1 - effect)
        frames.append(
            pd.DataFrame(
                {
                    "_d": fi,
                    "_p": pi,
                    "_l": li_,
                    "_t": ti,
                    "app_version": version,
                    "active_users": active[keep].astype(np.int64),
                    "_intent": rate,
                    "_sdk": bool(
                        variant == "client_sdk_event_loss"
                        and new_version
                        and PLATFORMS[pi] == target_platform
                    ),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values(["_d", "_p", "app_version", "_l", "_t"], kind="stable").reset_index(
        drop=True
    )

    au = df["active_users"].to_numpy()
    clicks = synth.nb_counts(rng, au * df["_intent"].to_numpy(), dispersion=150)
    clicks = np.where(au == 0, 0, clicks)
    requested = synth.binomial_counts(rng, clicks, per_click)
    server = requested + synth.binomial_counts(rng, requested, retry)
    acc_rate = np.array([accept[x] for x in locales])[df["_l"].to_numpy()]
    td_rate = np.array([thumbs[x] for x in locales])[df["_l"].to_numpy()]
    if variant == "locale_model_regression":
        drop_acc = float(rng.uniform(0.12, 0.2))
        rise_td = float(rng.uniform(2.5, 4.0))
        hit = (df["_l"].to_numpy() == li) & (df["_d"].to_numpy() >= onset_i)
        acc_rate = np.where(hit, acc_rate - drop_acc, acc_rate)
        td_rate = np.where(hit, td_rate * rise_td, td_rate)
    accepted = synth.binomial_counts(rng, requested, acc_rate)
    thumbs_down = synth.binomial_counts(
        rng, requested - accepted, td_rate / np.clip(1 - acc_rate, 0.05, None)
    )
    if variant == "client_sdk_event_loss":
        keep_p = np.where(df["_sdk"].to_numpy(), 1 - effect, 1.0)
        clicks = synth.binomial_counts(rng, clicks, keep_p)
        requested = synth.binomial_counts(rng, requested, keep_p)
        accepted = np.minimum(synth.binomial_counts(rng, accepted, keep_p), requested)
        thumbs_down = np.minimum(
            synth.binomial_counts(rng, thumbs_down, keep_p), requested - accepted
        )

    daily = pd.DataFrame(
        {
            "date": index[df["_d"].to_numpy()],
            "platform": np.array(PLATFORMS)[df["_p"].to_numpy()],
            "app_version": df["app_version"].to_numpy(),
            "locale": np.array(locales)[df["_l"].to_numpy()],
            "tenure": np.array(TENURES)[df["_t"].to_numpy()],
            "active_users": au,
            "entry_point_clicks": clicks,
            "summaries_requested": requested,
            "summaries_accepted": accepted,
            "thumbs_down": thumbs_down,
            "server_summary_calls": server,
        }
    )
    # the client pipeline lost whole days (NaN, never 0), never inside the review windows
    win = windows(index)
    protected = [
        day for a, b in (win["baseline"], win["flagged"]) for day in pd.date_range(a, b, freq="D")
    ]
    daily, missing = synth.mask_missing_days(
        rng, daily, list(CLIENT_COLUMNS), n_days=int(rng.integers(1, 3)), exclude=protected
    )

    by_version = daily.groupby(["date", "platform", "app_version"], sort=True)["active_users"].sum()
    by_platform = daily.groupby(["date", "platform"], sort=True)["active_users"].sum()
    versions_tbl = by_version.reset_index()
    versions_tbl["share_of_platform_users"] = (
        by_version.to_numpy() / by_platform.reindex(by_version.index.droplevel(2)).to_numpy()
    ).round(4)

    tables = {"daily": daily, "app_versions": versions_tbl}
    facts = _facts(variant, daily, win, target_platform, target_locale)
    # the constraint is drawn after everything else, so every table stays as it was without it
    constraint = CONSTRAINTS[int(rng.integers(0, len(CONSTRAINTS)))]
    ship_day = index[-1] + pd.Timedelta(
        days=int(rng.integers(2, 6))
        if constraint == "release_train_open"
        else 7 * int(rng.integers(4, 7))
    )
    review = ship_day + pd.Timedelta(days=REVIEW_AFTER_RELEASE_DAYS)
    facts.update(
        constraint=constraint,
        next_app_release=ship_day.strftime("%Y-%m-%d"),
        review_date=review.strftime("%Y-%m-%d"),
    )
    facts.update(findings(daily, win))
    params = {
        "onset": onset.strftime("%Y-%m-%d"),
        "effect": round(effect, 4),
        "target_platform": target_platform,
        "target_locale": target_locale,
        "near_decoy": near,
        "near_decoy_offset_days": offset,
        "event_dates": {s: index[i].strftime("%Y-%m-%d") for s, i in sorted(dates.items())},
        "missing_client_days": [x.strftime("%Y-%m-%d") for x in missing],
        "model_usage_lag_days": lag if variant == "locale_model_regression" else None,
    }
    briefing = _briefing(win, index[-1], ship_day)
    return Draw(tables, tl, briefing, params, facts)


def _in(df: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    return df[(df["date"] >= window[0]) & (df["date"] <= window[1])]


def _facts(variant: str, daily: pd.DataFrame, win: dict, platform: str, locale: str) -> dict:
    before, flagged = _in(daily, win["baseline"]), _in(daily, win["flagged"])
    top = compare_windows(
        daily,
        baseline=win["baseline"],
        current=win["flagged"],
        numerator="summaries_requested",
        denominator="active_users",
    ).total
    r0, r1 = top.baseline, top.current
    split = mix_rate(
        before.dropna(subset=["summaries_requested"]),
        flagged.dropna(subset=["summaries_requested"]),
        by="tenure",
        numerator="summaries_requested",
        denominator="active_users",
    )
    total = split.loc["total"]
    where = {
        "nav_refresh_hid_entry_point": platform,
        "client_sdk_event_loss": platform,
        "locale_model_regression": locale,
        "competitor_launch_one_market": locale,
    }.get(variant, "spread")
    return {
        "where": where,
        "baseline_rate": round(r0, 5),
        "flagged_rate": round(r1, 5),
        "headline_change": round(r1 / r0 - 1, 4),
        "mix_share": round(float(total["mix"] / total["contribution"]), 4),
        "mix_term": round(float(total["mix"]), 5),
    }


def _briefing(win: dict, last: pd.Timestamp, ship_day: pd.Timestamp) -> str:
    """The situation as the PM hears it: windows and dates from the case, no graded number; the
    constraint is the date of the next app release (days away, or weeks), in the same words."""
    b0, b1 = win["baseline"]
    f0, f1 = win["flagged"]
    return (
        "### Briefing\n\n"
        f"The weekly business review of **{f0:%Y-%m-%d} to {f1:%Y-%m-%d}** flagged AI file "
        "summaries: **summaries requested per active user fell** against the four baseline weeks "
        f"{b0:%Y-%m-%d} to {b1:%Y-%m-%d}. The head of AI wants the model rolled back; the app "
        "teams say their releases are fine; marketing points at a competitor.\n\n"
        f"**Release calendar:** the next iOS and Android app release goes out on "
        f"**{ship_day:%Y-%m-%d}**; until then only server-side changes and remote-config flags "
        "can ship. Both app releases' navigation redesign sits behind a remote-config flag that "
        "turns the old navigation back on. The head of AI will review whatever you decide on "
        f"**{ship_day + pd.Timedelta(days=REVIEW_AFTER_RELEASE_DAYS):%Y-%m-%d}**, four weeks "
        "after that release.\n\n"
        f"You have daily data through **{last:%Y-%m-%d}** by platform, locale, app version and "
        "user tenure (`daily`), each platform's app-version adoption (`app_versions`), and the "
        "timeline of everything that shipped or happened. Find out what moved the metric, show "
        "the evidence, and recommend what to do within the release calendar."
    )


def _rate(df: pd.DataFrame, num: str = "summaries_requested", den: str = "active_users", by=None):
    ok = df.dropna(subset=[num])
    if by is None:
        return float(ok[num].sum() / ok[den].sum())
    g = ok.groupby(by)[[num, den]].sum()
    return g[num] / g[den]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def findings(daily: pd.DataFrame, win: dict) -> dict:
    """What the evidence statements and the feedback read, computed from the tables only.

    Each finding is a number of the case (rounded for display); the statements' ``holds`` apply
    their thresholds to these, and a reference solver recomputes them from the same tables.

    Examples
    --------
    >>> from pmcourse.scenarios import load_case
    >>> case = load_case("usage_drop", seed=3, variant="client_sdk_event_loss")
    >>> daily = case.tables["daily"]
    >>> found = findings(daily, windows(pd.DatetimeIndex(sorted(daily["date"].unique()))))
    >>> found["server_change"] == case.truth["server_change"]
    True
    """
    before, flagged, late = (_in(daily, win[w]) for w in ("baseline", "flagged", "late"))

    def change(num="summaries_requested", den="active_users", by=None, a=before, b=flagged):
        out = _rate(b, num, den, by) / _rate(a, num, den, by) - 1
        return out if by is None else out.sort_values(kind="stable")

    by_platform = change(by="platform")
    by_locale = change(by="locale")
    by_tenure = change(by="tenure")
    per_call = change(den="server_summary_calls", by="platform")
    accept = (
        _rate(flagged, "summaries_accepted", "summaries_requested", "locale")
        - _rate(before, "summaries_accepted", "summaries_requested", "locale")
    ).sort_values(kind="stable")

    def new_share(df):
        users = df.groupby("tenure")["active_users"].sum()
        return float(users["new"] / users.sum())

    top_locale = str(by_locale.index[0])
    in_top = [df[df["locale"] == top_locale] for df in (before, flagged)]
    locale_tenure = _rate(in_top[1], by="tenure") / _rate(in_top[0], by="tenure") - 1
    mobile = by_platform[by_platform.index != "web"]
    top_mobile = str(mobile.index[0])
    on_p = flagged[flagged["platform"] == top_mobile]
    per_version = _rate(on_p, by="app_version")
    versions = sorted(per_version.index, key=_version_key)
    base_p = _rate(before[before["platform"] == top_mobile])
    return {
        "platform_change": {k: round(float(v), 4) for k, v in by_platform.items()},
        "locale_change": {k: round(float(v), 4) for k, v in by_locale.items()},
        "tenure_change": {k: round(float(v), 4) for k, v in by_tenure.items()},
        "server_change": round(change("server_summary_calls"), 4),
        "requests_per_call_change": {k: round(float(v), 4) for k, v in per_call.items()},
        "accept_change_points": {k: round(100 * float(v), 2) for k, v in accept.items()},
        "late_change": round(change(a=before, b=late), 4),
        "new_share": [round(new_share(before), 4), round(new_share(flagged), 4)],
        "top_locale": top_locale,
        "top_locale_tenure_change": {k: round(float(v), 4) for k, v in locale_tenure.items()},
        "top_mobile": top_mobile,
        "top_mobile_versions": [versions[0], versions[-1]],
        "top_mobile_version_change": [
            round(float(per_version[versions[0]] / base_p - 1), 4),
            round(float(per_version[versions[-1]] / base_p - 1), 4),
        ],
    }
