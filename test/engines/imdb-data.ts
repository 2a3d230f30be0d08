// Small IMDB files in the real layouts (https://developer.imdb.com/non-commercial-datasets/: one
// header row with IMDB's camelCase names, tab-separated, \N for null, no quoting, gzip), and what the
// pipeline must make of them, computed here in plain TypeScript, apart from the jobs' code.

import * as http from "http";
import * as zlib from "zlib";

type Cell = string | number | null;
export type Rows = Cell[][];

export const HEADERS: Record<string, string[]> = {
    "name.basics": ["nconst", "primaryName", "birthYear", "deathYear", "primaryProfession", "knownForTitles"],
    "title.basics": ["tconst", "titleType", "primaryTitle", "originalTitle", "isAdult", "startYear", "endYear", "runtimeMinutes", "genres"],
    "title.crew": ["tconst", "directors", "writers"],
    "title.principals": ["tconst", "ordering", "nconst", "category", "job", "characters"],
    "title.ratings": ["tconst", "averageRating", "numVotes"],
};

export interface ImdbData {
    tables: Record<string, Rows>;
}

/** A deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
    let a = seed;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const nm = (i: number) => `nm${String(i).padStart(7, "0")}`;
const tt = (i: number) => `tt${String(i).padStart(7, "0")}`;

/** ~150 titles, ~250 people and their crews, principals and ratings, with the cases that matter. */
export function generate(seed = 22): ImdbData {
    const r = random(seed);
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    const people = 250;
    const names: Rows = [];
    for (let i = 1; i <= people; i++) {
        const born = r() < 0.2 ? null : 1930 + Math.floor(r() * 70);
        names.push([
            nm(i),
            `Person ${i}`,
            born,
            born && r() < 0.1 ? born + 60 : null,
            pick(["actor", "actress,producer", "director,writer"]),
            r() < 0.3 ? null : tt(1 + Math.floor(r() * 150)),
        ]);
    }
    const basics: Rows = [];
    const crew: Rows = [];
    const principals: Rows = [];
    const ratings: Rows = [];
    const title = (i: number, type: string, name: string, year: number | null, rated: boolean, directors: string | null) => {
        basics.push([
            tt(i),
            type,
            name,
            name,
            0,
            year,
            null,
            r() < 0.2 ? null : 80 + Math.floor(r() * 80),
            pick(["Action,Thriller", "Drama", "Comedy,Romance", null]),
        ]);
        crew.push([tt(i), directors, r() < 0.5 ? null : nm(1 + Math.floor(r() * people))]);
        const count = 1 + Math.floor(r() * 4);
        for (let o = 1; o <= count; o++) {
            const category = pick(["actor", "actress", "director", "writer", "producer"]);
            principals.push([
                tt(i),
                o,
                nm(1 + Math.floor(r() * people)),
                category,
                category === "writer" ? "screenplay" : null,
                category.startsWith("act") ? `["Role ${i}.${o}"]` : null,
            ]);
        }
        if (rated) ratings.push([tt(i), Math.round((1 + r() * 9) * 10) / 10, 1 + Math.floor(r() * 100000)]);
    };
    const director = () => nm(1 + Math.floor(r() * people));
    for (let i = 1; i <= 140; i++) {
        const type = pick(["movie", "movie", "tvSeries", "short", "tvEpisode"]);
        const many = r() < 0.15;
        title(
            i,
            type,
            `Title ${i}`,
            r() < 0.05 ? null : 1950 + Math.floor(r() * 75),
            r() < 0.85,
            r() < 0.1 ? null : many ? `${director()},${director()}` : director(),
        );
    }
    // The John Wick films: the query's rows. Chapter 2 has two directors (one unknown to name.basics),
    // Chapter 3's title holds a double quote (IMDB never quotes), one principal is unknown.
    title(141, "movie", "John Wick", 2014, true, `${nm(7)},${nm(8)}`);
    title(142, "movie", "John Wick: Chapter 2", 2017, true, `${nm(7)},nm9999999`);
    title(143, "movie", 'John Wick: Chapter 3 - "Parabellum"', 2019, true, nm(7));
    title(144, "movie", "John Wick: Chapter 4", 2023, true, nm(7));
    principals.push([tt(144), 9, "nm9999998", "actor", null, '["Unknown"]']);
    // Not in the answer: a series (titleType), an unrated film, a film with no director, another title.
    title(145, "tvSeries", "John Wick: The Series", 2026, true, nm(7));
    title(146, "movie", "John Wick: Unrated", 2025, false, nm(7));
    title(147, "movie", "John Wick: No Director", 2024, true, null);
    title(148, "movie", "Not John Wick", 2020, true, nm(7));
    // A duplicated line: the silver table keeps one row per (tconst, ordering, directors).
    principals.push([...principals[principals.length - 1]]);
    return { tables: { "name.basics": names, "title.basics": basics, "title.crew": crew, "title.principals": principals, "title.ratings": ratings } };
}

export function tsv(table: string, rows: Rows): string {
    const cell = (c: Cell) => (c === null ? "\\N" : String(c));
    return [HEADERS[table].join("\t"), ...rows.map((row) => row.map(cell).join("\t"))].join("\n") + "\n";
}

interface SilverRow {
    tconst: string;
    titletype: string;
    primarytitle: string;
    startyear: number | null;
    averagerating: number;
    ordering: number;
    primaryname: string;
    category: string;
    directors: string;
    directorprimaryname: string;
}

/**
 * The one-big-table's rows by the README's definition: rated titles x their principals known to
 * name.basics x their directors (title.crew's comma-separated list) known to name.basics, one row
 * per (tconst, ordering, director).
 */
export function expectedSilver(d: ImdbData): SilverRow[] {
    const names = new Map(d.tables["name.basics"].map((n) => [n[0] as string, n[1] as string]));
    const rated = new Map(d.tables["title.ratings"].map((x) => [x[0] as string, x[1] as number]));
    const crew = new Map(d.tables["title.crew"].map((c) => [c[0] as string, c[1] as string | null]));
    const out = new Map<string, SilverRow>();
    for (const b of d.tables["title.basics"]) {
        const tconst = b[0] as string;
        if (!rated.has(tconst)) continue;
        const directors = (crew.get(tconst) ?? "").split(",").filter((x) => x && names.has(x));
        for (const p of d.tables["title.principals"].filter((x) => x[0] === tconst && names.has(x[2] as string))) {
            for (const dir of directors) {
                const key = `${tconst}|${p[1]}|${dir}`;
                out.set(key, {
                    tconst,
                    titletype: b[1] as string,
                    primarytitle: b[2] as string,
                    startyear: b[5] as number | null,
                    averagerating: rated.get(tconst)!,
                    ordering: p[1] as number,
                    primaryname: names.get(p[2] as string)!,
                    category: p[3] as string,
                    directors: dir,
                    directorprimaryname: names.get(dir)!,
                });
            }
        }
    }
    return [...out.values()];
}

/** The John Wick query's answer (pipelines/queries.json john_wick), from the expected silver rows. */
export function expectedJohnWick(d: ImdbData): unknown[][] {
    const rows = expectedSilver(d).filter((s) => s.primarytitle.startsWith("John Wick") && s.titletype === "movie");
    const byTitle = new Map<string, SilverRow[]>();
    for (const s of rows) byTitle.set(s.tconst, [...(byTitle.get(s.tconst) ?? []), s]);
    const result = [...byTitle.values()].map((rs) => {
        const first = rs[0];
        const principals = new Map<number, string>();
        for (const s of rs.sort((a, b) => a.ordering - b.ordering)) principals.set(s.ordering, `${s.primaryname} (${s.category})`);
        const directedBy = [...new Set(rs.map((s) => s.directorprimaryname))].sort();
        return [first.primarytitle, first.startyear, first.averagerating, [...principals.values()], directedBy];
    });
    return result.sort((a, b) => (a[1] as number) - (b[1] as number) || (String(a[0]) < String(b[0]) ? -1 : 1)).slice(0, 10);
}

/** Serves the generated tables gzip-compressed at /<table>.tsv.gz, as datasets.imdbws.com does. */
export function serveImdb(data: ImdbData): Promise<{ url: string; close(): Promise<void> }> {
    const files = new Map(Object.entries(data.tables).map(([t, rows]) => [`/${t}.tsv.gz`, zlib.gzipSync(tsv(t, rows))]));
    const server = http.createServer((req, res) => {
        const body = files.get(req.url ?? "");
        res.writeHead(body ? 200 : 404, { "Content-Type": "application/octet-stream" });
        res.end(body ?? "");
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({
                url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
                close: () => new Promise((r) => server.close(() => r())),
            }),
        ),
    );
}
