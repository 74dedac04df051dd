#!/usr/bin/env python3
"""Write a deterministic corpus of Markdown briefs for build benchmarks.

    content/_index.md                  home
    content/sec-NN/_index.md           one section per 500 briefs (at least 3)
    content/sec-NN/brief-NNNNN.md      the briefs

Every file opens with TOML front matter between `+++` lines holding only
`title`, `date` and `description` (plus `weight` on sections), which briefing
and Hugo both read unchanged. Each brief's body (about 1,000 words) is built
from the paragraphs below: a bottom line, four to six headed parts, a bullet
list, a table, a blockquote with a link to another brief, and two footnotes.

The output depends only on --briefs, --seed, --flavor and --realistic. The
flavors differ in the syntax of what Hugo spells differently:

    briefing  [brief 41](@/sec-00/brief-00041.md)   checked internal link
              {{ cite(id="s2") }}                   citation (--realistic)
    hugo      [brief 41](/sec-00/brief-00041/)      plain URL (Hugo's skeleton
                                                    has no link resolution)
              {{< cite id="s2" >}}                  Hugo shortcode (--realistic)

--realistic gives every brief the front matter an analyst writes: actors
(Japan, common to all, plus two others), two topics, three key judgments with
their confidence words, three dated events and two or three sources with URLs,
each cited in the body. The plain corpus (without --realistic) is unchanged by
the option: the extra fields come from a second random stream. With --flavor
hugo --realistic it also writes content/chronology.md, the page that lists
every event (briefing renders /chronology/ on its own).

    scripts/gen_corpus.py --briefs 10000 --out /tmp/corpus-10k
    scripts/gen_corpus.py --briefs 10000 --realistic --out /tmp/realistic-10k
"""
import argparse
import datetime
import pathlib
import random

PARTNERS = ["China", "Russia", "Australia", "India", "South Korea", "Taiwan",
            "ASEAN", "Canada", "Sri Lanka", "Bangladesh", "United States"]
THEMES = ["alliance posture", "hedging", "maritime security", "missile defence",
          "trade", "energy security", "territorial disputes", "diplomacy"]
HEADINGS = ["Context", "Assessment", "Options", "Outlook", "Risks", "Evidence"]
LEVELS = ["high", "medium", "low"]
# --realistic: the taxonomy pools, briefing's seven estimative words, and the
# raw material of key judgments, events and sources.
COMMON_ACTOR = "Japan"
TOPICS = ["Alliance posture", "Hedging", "Maritime security", "Missile defence", "Trade",
          "Energy security", "Territorial disputes", "Diplomacy", "Economic security",
          "Arms exports"]
CONFIDENCE = ["almost certain", "very likely", "likely", "roughly even", "unlikely",
              "very unlikely", "remote"]
JUDGMENTS = ["Japan will keep {a} close on {t} over the next two years",
             "{a} will press Tokyo for concessions on {t}",
             "Cooperation with {a} on {t} will outlast the next change of government",
             "A crisis would push Japan and {a} to coordinate on {t} within days",
             "{a} will not openly oppose Japan's line on {t}"]
EVENTS = ["Japan and {a} hold ministerial talks on {t}.",
          "{a} announces a review of its policy on {t}.",
          "Leaders of Japan and {a} sign a joint statement on {t}.",
          "A parliamentary report in Tokyo criticises the handling of {t} with {a}.",
          "{a} and Japan stage a joint exercise linked to {t}."]
PUBLISHERS = ["Ministry of Defense of Japan", "Ministry of Foreign Affairs of Japan",
              "National Institute for Defense Studies", "Japan Institute of International Affairs",
              "Cabinet Secretariat", "Diet Research Bureau"]

# Original prose, one paragraph per block; line breaks inside a block are joined.
PROSE = """
Alliances are seldom abandoned outright; they are renegotiated in small steps. For Tokyo, the
question since the early 2010s has not been whether to stay close to Washington but how much of
its security to keep in one basket. Each missile launched from the Korean peninsula strengthens
the case for deeper integration with American forces, while each trade quarrel and each campaign
speech about the cost of overseas bases revives an older fear: being left to face a stronger
neighbour alone. The result is a policy that looks contradictory from outside and consistent from
within.

Hedging is best understood as insurance rather than defection. A hedging state keeps its main
alliance intact while building options that would soften the blow if that alliance weakened:
new partners, a more capable national force, and economic ties that give rivals a stake in
stability. The policy is cheap when the patron is confident and attentive, and it becomes urgent
when the patron looks distracted or transactional. Japan has practised a version of it for
decades, but the pace picked up as doubts about American staying power grew in regional
capitals and as the balance of military power in the western Pacific shifted.

Burden-sharing debates are as old as the alliance itself. Washington asks for larger host-nation
payments and a wider military role; Tokyo answers with incremental budget increases, new
legislation and a careful choice of words that avoids promising more than its voters will accept.
The pattern repeats because both sides gain from it: Washington can tell its own public that allies
are doing more, and Tokyo can tell its voters that nothing fundamental has changed. The compromise
holds as long as neither capital needs a dramatic gesture.

The maritime picture has changed faster than the diplomatic one. Coast guard vessels now sail
near disputed islands almost every day, fishing fleets appear in numbers that are hard to explain
commercially, and survey ships work in waters whose status is contested. None of these
activities amounts to an armed attack, which is precisely the point: they test resolve without
offering a clear threshold for a military response. Japanese planners call this the grey zone,
and much of the recent reform of laws and command arrangements has aimed at closing the gaps
that such pressure exploits. The response has been to give the coast guard more hulls and
longer legal reach, to rehearse handovers between coast guard and navy, and to ask Washington to
say plainly, and often, that the treaty covers territory under Japanese administration.

The cost of hedging is paid in credibility. Every new partnership invites the question of
whether the old one still works, and allies read signals as closely as rivals do. A hedge that
is too visible can bring about the very abandonment it was meant to guard against.

Missile defence shows the logic of integration at its clearest. Interceptors at sea and on land,
radars that share tracks in real time and a command structure that decides within minutes all
depend on close coordination with American forces. Yet the arithmetic is unforgiving: a salvo of
cheap missiles can exhaust an expensive stock of interceptors, which is why the debate in Tokyo
has moved from defence alone toward the harder question of counterstrike capability and the
political consent it requires. The acquisition of long-range cruise missiles settled part of that
question, but targeting, command and the sharing of intelligence with American forces remain open.

Trade policy offers a different kind of insurance. When the United States walked away from a
regional trade agreement it had championed, Japan kept the remaining members together and
brought the pact into force without Washington, a quiet demonstration that rules-based economic
order in the region need not wait for American leadership. The agreement has since attracted
applications from economies on several continents, which gives Japan a say in who joins and on
what terms, and a standing in trade diplomacy that its military posture alone could not provide.

Domestic politics sets the outer limits of any strategy. The constitution still constrains the
use of force, public opinion remains wary of foreign entanglements, and a shrinking, ageing
population limits both recruitment and the tax base. Successive governments have worked within
these limits rather than confronting them head on: reinterpreting rather than amending the
constitution, raising defence spending in steps rather than leaps, and framing new capabilities
as defensive even when their range suggests otherwise. The approach has been effective at
avoiding backlash, but it leaves allies and rivals uncertain about how far Tokyo would go in a
crisis. A commitment to double defence spending within five years marked a break in tempo, if not
in method, and its financing remains contested inside the governing coalition. Ministries argue
over whether to fund it through taxes, spending cuts or borrowing, and every option carries a
price at the next election. The outcome matters abroad as well as at home: partners judge
Japan's seriousness less by its strategy documents than by whether the money arrives on time and
is spent on forces that can fight.

India appeals to Tokyo for reasons that go beyond arithmetic. It is a large democracy with its
own frontier disputes, a navy that watches the sea lanes through which Japan's energy imports
pass, and a government that prizes strategic autonomy as much as any partner. That last trait
limits how far the relationship can go. New Delhi buys Russian arms and oil, declines to join
formal alliances and keeps its own counsel on sanctions. Tokyo has learned to accept this and to
invest instead in infrastructure, high-speed rail and joint naval exercises, betting that shared
interests will do more over time than any written commitment.

Australia has become the closest thing Japan has to a second ally. The two governments signed a
reciprocal access agreement that lets their forces train on each other's territory, exchange
liaison officers at operational headquarters and plan together for contingencies they prefer not
to name in public. Shared dependence on the United States is the glue, but the ties have grown
dense enough to matter on their own: common aircraft and ships make maintenance and logistics
easier, and regular exercises build habits that would be hard to improvise in a crisis. Critics
in both countries warn that the partnership could drag them into quarrels that are not their
own.

Russia presents the most awkward case. Energy projects in the far east, the hope of a
territorial settlement and a wish to keep Moscow from drifting entirely into Beijing's orbit all
argued for engagement. The invasion of Ukraine ended most of that logic. Tokyo joined Western
sanctions, expelled diplomats and shelved the peace treaty talks, while keeping a stake in
liquefied gas projects it judged too costly to abandon. The episode showed that hedging with a
revisionist power carries risks that can materialise suddenly, and that a partner valued for
its distance from China may in the end move closer to it.

South Korea should be Japan's natural partner: both host American forces, both face the same
missile threat, and both depend on open sea lanes. History keeps getting in the way. Disputes over
wartime labour and export controls have repeatedly frozen intelligence sharing, and each thaw has
depended on leaders willing to spend political capital at home. When such leaders are in office at
the same time, cooperation advances quickly: missile warning data flows in real time, trilateral
exercises resume and business ties recover. When they are not, the relationship slides back, and
Washington finds itself mediating between its two closest allies in the region.

China is at once Japan's largest trading partner and its principal security concern. Japanese
firms built supply chains that run through Chinese factories, and Chinese demand props up
sectors from machinery to cosmetics. That interdependence gives both sides reasons for restraint,
but it also creates leverage: a sudden halt to rare earth exports during a maritime dispute
taught Tokyo how quickly commerce can become coercion. Since then the government has subsidised
alternative suppliers, stockpiled critical materials and encouraged firms to move some
production elsewhere, a policy described as diversification rather than decoupling. Political
ties meanwhile swing between summit smiles and diplomatic freezes, often within the same year.

Southeast Asia is where Japan's quieter instruments do most of their work. Official development
assistance, patrol vessels for coast guards, port and rail financing and training programmes
build goodwill without asking governments to choose sides openly, which few of them wish to do.
Tokyo's respect for the principle that the regional association sits at the centre of regional
diplomacy has earned it trust that more assertive powers lack. The limits are just as clear:
capacity building takes years to pay off, and a patrol boat cannot deter a navy. A newer
programme of security assistance, which gives radars and equipment directly to partner militaries,
tests how far that quiet approach can be pushed.

A crisis over Taiwan would test every element of this strategy at once. American forces in Japan
would be central to any response, Japanese territory lies within a few hundred kilometres of the
island, and the sea lanes that carry Japan's trade pass nearby. Officials have become more willing
to say that peace across the strait matters to Japan's own security, but they remain careful about
what Japan would actually do, and planning for the evacuation of citizens from outlying islands
has only recently begun in earnest. Exercises on those islands, once politically sensitive, are
now announced openly.

Extended deterrence rests on beliefs more than on hardware. Japan does not build nuclear weapons;
it relies on the American promise that an attack on Japan would be answered as an attack on the
United States. Regular consultations on nuclear planning, visits by strategic bombers and public
statements at the highest level are meant to keep that promise credible. Whenever a president
questions the value of alliances, the debate about whether Japan should reconsider its own
restraint reappears in op-ed pages, and then fades once reassurance arrives.

Energy security remains a structural weakness. Japan imports almost all of its fuel, most of it
by sea, and the restart of its nuclear plants has been slow and politically costly. Long-term
gas contracts with distant suppliers spread the risk, yet every one of them still passes through
straits that other navies could close.

Arms exports were all but banned for half a century, which left Japanese defence firms small,
dependent on a single customer and expensive. Relaxed rules now allow transfers to friendly
states and joint development with partners, and a next-generation fighter programme shared with
European partners is the most ambitious result so far. Supporters argue that exports lower unit
costs, keep production lines alive and bind partners more closely to Japan. Sceptics point out
that the first attempts to win foreign orders for submarines and aircraft failed, that the
firms involved still treat defence as a side business, and that each new transfer reopens a
domestic argument about whether Japanese weapons should ever be used in someone else's war.
The rules are being revised again, case by case, as each new request arrives.

Intelligence, cyber defence and space have become the quiet frontier of alliance cooperation.
Japan passed a state secrets law partly to reassure partners that shared information would be
protected, and it is building a cyber force and a space operations unit that link directly to
American counterparts. Progress is uneven. Security clearances for civilians in the defence
industry were introduced only recently, the legal basis for active cyber defence remains
contested, and the agencies involved are still learning to work with one another as well as
with foreign services. Even so, the direction is clear: more of the alliance's daily business
now happens in networks and satellite links than on parade grounds or in joint exercises.

Small groupings have multiplied because large ones move slowly. A four-country dialogue with the
United States, Australia and India, trilateral meetings with Washington and Seoul or with
Washington and Manila, and ministerial formats with European partners let Tokyo pursue specific
goals with willing partners. Their value lies less in formal commitments than in habits of
coordination; their weakness is that each depends on a handful of leaders keeping the meetings
on the calendar. Officials nevertheless prefer this untidy web to a single regional pact, because
no partner is asked to sign up to everything and each format can move at the speed of its most
willing members.

The bases themselves are a political question as much as a military one. Host communities bear
the noise, the accidents and the land use, and local elections on the main southern island
chain have repeatedly turned on a single relocation project that has taken decades to complete.
Every government has to weigh national strategy against local consent. Subsidies, training moved
to other prefectures and the return of some land have eased tensions without resolving them.

Command arrangements are catching up with the changes in capability. For most of the alliance's
history the two militaries operated side by side rather than together, with parallel chains of
command and only loose coordination. A permanent joint headquarters in Tokyo and an upgraded
American command in Japan are meant to change that, allowing planning and operations to be
synchronised in peacetime rather than improvised in a crisis. The details matter: who decides
what, how quickly, and with what political authority. They are still being negotiated, and they
will shape how the alliance behaves in its first real test. Neither government wants a combined
command of the kind that exists on the Korean peninsula, so the answer will be a set of procedures
rather than a single commander.

Three indicators are worth watching. The first is money: whether defence budgets keep rising
once the headline commitments fade from view. The second is law: whether the rules governing the
use of force keep pace with the capabilities being bought. The third is partners: whether
cooperation survives changes of government in Washington, Seoul and Canberra. A positive answer
on all three would suggest that the hedge has become a durable structure; a negative answer on
any one of them would show how much still depends on the mood of a few capitals.

Economic security has become a policy field of its own. A dedicated law now covers critical
supply chains, core infrastructure, sensitive patents and advanced technology development, and a
cabinet minister is responsible for it. Investment screening has been tightened, subsidies steer
semiconductor factories to Japanese soil, and export controls on chip-making equipment are
coordinated with Washington and The Hague. Businesses complain about uncertainty and compliance
costs, but few now argue that commerce and security can be managed separately. The open question
is how far the state should go in telling companies where to build, whom to sell to and which
partners to trust with their technology.
"""


def paragraphs():
    return [" ".join(block.split()) for block in PROSE.strip().split("\n\n")]


def esc(s):
    """Escape a string for a TOML basic string."""
    return s.replace("\\", "\\\\").replace('"', '\\"')


def brief_link(flavor, section, number):
    if flavor == "briefing":
        return f"@/sec-{section:02d}/brief-{number:05d}.md"
    return f"/sec-{section:02d}/brief-{number:05d}/"


def cite(flavor, source_id):
    if flavor == "briefing":
        return f' {{{{ cite(id="{source_id}") }}}}'
    return f' {{{{< cite id="{source_id}" >}}}}'


def toml_list(items):
    return "[" + ", ".join(f'"{esc(x)}"' for x in items) + "]"


def realistic_meta(xr, i, partner):
    """Front matter lines of a realistic brief, and the ids of its sources.

    XR is the second random stream, so the plain corpus stays as it was.
    """
    others = [partner] + xr.sample([p for p in PARTNERS if p != partner], 1)
    actors = [COMMON_ACTOR] + others
    topics = xr.sample(TOPICS, 2)
    lines = [f"actors = {toml_list(actors)}", f"topics = {toml_list(topics)}"]
    for k in range(3):
        text = xr.choice(JUDGMENTS).format(a=others[k % 2], t=topics[k % 2].lower())
        lines += ["", "[[key_judgments]]", f'text = "{esc(text)}."',
                  f'confidence = "{xr.choice(CONFIDENCE)}"']
    for _ in range(3):
        day = datetime.date(2000, 1, 1) + datetime.timedelta(days=xr.randrange(9000))
        text = xr.choice(EVENTS).format(a=xr.choice(others), t=xr.choice(topics).lower())
        lines += ["", "[[events]]", f'date = "{day.isoformat()}"', f'text = "{esc(text)}"']
    ids = [f"s{k + 1}" for k in range(xr.randint(2, 3))]
    for k, sid in enumerate(ids):
        year = xr.randint(2005, 2024)
        lines += ["", "[[sources]]", f'id = "{sid}"',
                  f'title = "{esc(f"{topics[k % 2]}: {others[k % 2]} and Japan, {year} review")}"',
                  f'publisher = "{xr.choice(PUBLISHERS)}"',
                  f'url = "https://example.org/sources/{i:05d}/{sid}"',
                  f'date = "{year}-{xr.randint(1, 12):02d}"']
    return lines, ids


def brief(rng, pool, i, total, per_section, flavor, xr=None):
    partner = PARTNERS[i % len(PARTNERS)]
    theme = THEMES[(i // len(PARTNERS)) % len(THEMES)]
    title = f"Brief {i}: Japan, {partner} and {theme}"
    day = datetime.date(2012, 12, 26) + datetime.timedelta(days=i % 5000)
    desc = rng.choice(pool)[:160].rsplit(" ", 1)[0] + "…"
    meta, ids = realistic_meta(xr, i, partner) if xr else ([], [])
    out = ["+++", f'title = "{esc(title)}"', f"date = {day.isoformat()}",
           f'description = "{esc(desc)}"', *meta, "+++", ""]
    # Sources are cited in order (bottom line, then the first paragraph of each
    # part), so briefing's first-citation numbering and Hugo's list order agree.
    cites = [cite(flavor, sid) for sid in ids]
    out += [f"**Bottom line:** {rng.choice(pool)}{cites.pop(0) if cites else ''}[^1]", ""]
    for h in range(rng.randint(4, 6)):
        out += [f"## {rng.choice(HEADINGS)} {h + 1}", ""]
        for n in range(rng.randint(1, 2)):
            out += [rng.choice(pool) + (cites.pop(0) if cites and n == 0 else ""), ""]
        if h == 1:
            for p in rng.sample(PARTNERS, 4):
                out.append(f"- *{p}*: engagement is **{rng.choice(['rising', 'steady', 'cooling'])}**")
            out.append("")
        if h == 2:
            out.append("| Partner | Economic pull | Security fit | Credibility |")
            out.append("|---|---|---|---|")
            for p in rng.sample(PARTNERS, 3):
                out.append(f"| {p} | {rng.choice(LEVELS)} | {rng.choice(LEVELS)} | {rng.choice(LEVELS)} |")
            out.append("")
        if h == 3:
            other = rng.randrange(total)  # always an existing brief
            link = brief_link(flavor, other // per_section, other)
            out += [f"> See also [brief {other}]({link}) on a related question.[^2]", ""]
    out.append("[^1]: Source: the project's own analysis, section on alliance posture.")
    out.append("[^2]: Cross-reference kept for the reader's convenience.")
    out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--briefs", type=int, default=1000, help="number of briefs (default 1000)")
    ap.add_argument("--out", required=True, type=pathlib.Path,
                    help="site directory: the corpus is written to OUT/content")
    ap.add_argument("--flavor", choices=["briefing", "hugo"], default="briefing",
                    help="link syntax for links between briefs (default briefing)")
    ap.add_argument("--realistic", action="store_true",
                    help="add actors, topics, key judgments, events, sources and citations")
    ap.add_argument("--seed", type=int, default=971)
    a = ap.parse_args()
    if a.briefs < 1:
        ap.error("--briefs must be at least 1")
    rng = random.Random(a.seed)
    xr = random.Random(a.seed * 7919 + 1) if a.realistic else None
    pool = paragraphs()
    n_sections = max(3, a.briefs // 500)
    per_section = -(-a.briefs // n_sections)
    content = a.out / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "_index.md").write_text(
        '+++\ntitle = "Benchmark briefing"\ndescription = "Generated corpus"\n+++\n\n'
        + pool[0] + "\n", encoding="utf-8")
    written = 0
    for s in range(n_sections):
        d = content / f"sec-{s:02d}"
        d.mkdir(exist_ok=True)
        (d / "_index.md").write_text(
            f'+++\ntitle = "Section {s}"\ndescription = "Briefs of group {s}"\nweight = {s + 1}\n+++\n\n'
            + rng.choice(pool) + "\n", encoding="utf-8")
        for i in range(s * per_section, min((s + 1) * per_section, a.briefs)):
            text = brief(rng, pool, i, a.briefs, per_section, a.flavor, xr)
            (d / f"brief-{i:05d}.md").write_text(text, encoding="utf-8")
            written += 1
    if a.realistic and a.flavor == "hugo":
        # Hugo's twin of briefing's /chronology/: layouts/chronology.html lists
        # every brief's events; kept out of page lists and related content.
        (content / "chronology.md").write_text(
            '+++\ntitle = "Chronology"\nlayout = "chronology"\n'
            'date = 2012-12-26\n[build]\nlist = "never"\n+++\n', encoding="utf-8")
    print(f"{written} briefs in {n_sections} sections under {content}")


if __name__ == "__main__":
    main()
