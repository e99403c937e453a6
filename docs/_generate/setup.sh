#!/usr/bin/env bash
# Build the small scratch files used by the documentation examples (run by generate.sh).
set -euo pipefail
: "${DOCGEN_ROOT:?run docs/_generate/generate.sh}" "${DOCGEN_SHARED:?}" "${DOCGEN_REPO:?}"
cd "$DOCGEN_ROOT/ex"

printf '\xef\xbb\xbfMajorText,MinorText,BoroughName,202501,202502,202503\r\nBURGLARY,BURGLARY - RESIDENTIAL,Barnet,150,"1,234",\r\nBURGLARY,BURGLARY - RESIDENTIAL,hammersmith & fulham,10,11,12\r\nBURGLARY,BURGLARY - RESIDENTIAL,London Heathrow and London City Airports,1,0,2\r\nBURGLARY,BURGLARY - RESIDENTIAL,Unknown,0,1,0\r\n' > good.csv
cp good.csv copy-of-good.csv
printf 'MajorText,MinorText,BoroughName,202501,202502,202503\nBURGLARY,BURGLARY - RESIDENTIAL,Barnet,150,12x,160\n' > bad-count.csv
printf 'MajorText,MinorText,BoroughName,202501,202502,202503\nBURGLARY,BURGLARY - RESIDENTIAL,Barnet,150,160\n' > short-row.csv
printf 'MajorText,MinorText,BoroughName,202501,202502,202503\nBURGLARY,BURGLARY - RESIDENTIAL,Barnett,150,160,170\n' > unknown-area.csv
printf 'MajorText,MinorText,BoroughName,202501,202502,202503\nBURGLARY,BURGLARY - RESIDENTIAL,Barnet,150,160,170\nBurglary,Burglary - Residential,BARNET,1,2,3\n' > duplicate-row.csv
printf 'MajorText,MinorText,BoroughName,202501,202503,202504\nBURGLARY,BURGLARY - RESIDENTIAL,Barnet,150,160,170\n' > gap-month.csv
printf 'MajorText,MinorText,BoroughName,202501,Feb 2025,202503\nBURGLARY,BURGLARY - RESIDENTIAL,Barnet,150,160,170\n' > bad-month.csv
printf 'MajorText,MinorText,BoroughName,202501,202502,202503\nBURGLARY,BURGLARY - R\xc9SIDENTIAL,Barnet,150,160,170\n' > latin1.csv
printf 'MajorText,MinorText,BoroughName,202501\n' | iconv -t UTF-16 > utf16.csv
: > empty.csv
printf 'MajorText,MinorText,BoroughName,202501,202502,202503\n' > header-only.csv
printf 'MajorText,MinorText,BoroughName,202501,202502,202503\nBURGLARY,BURGLARY OF SHEDS,Barnet,3,4,5\nBURGLARY,BURGLARY - RESIDENTIAL,Barnet,150,160,170\n' > new-category.csv
printf 'Code,Area name,2021_Population,2022_Population\nE09000003,Barnet,389300,n/a\n' > bad-population.csv
mkdir -p renamed
cp "$DOCGEN_SHARED/data/mps/borough/vintage-2024-01/MPS Borough Level Crime (most recent 24 months).csv" "renamed/MPS Borough Level Crime (Historical).csv"
printf 'source,major,minor,offence,from,to,note\nmps_borough,Burglary,Burglary of Sheds,non_residential_burglary,,,outbuildings are not dwellings\n' > my-mappings.csv
printf 'major,minor,offence,from,to,note\nBurglary,Burglary of Sheds,non_residential_burglary,,2025-01,\nBURGLARY,burglary of sheds,residential_burglary,2025-02,,reclassified from February 2025\n' > dated-mappings.csv
printf 'source,major,minor,offence,from,to,note\nmps_borough,Burglary,Burglary of Sheds,non_residental_burglary,,,\n' > typo-mappings.csv
printf 'major,minor,offence,from,to\nBurglary,Burglary of Sheds,non_residential_burglary,,2025-02\nBURGLARY,burglary of sheds,residential_burglary,2025-02,\n' > overlap-mappings.csv
printf 'category,offence\nBurglary of Sheds,non_residential_burglary\n' > nocols-mappings.csv

# Two 24-month files ending in the same month (a release and its corrected re-issue).
months=$(for y in 2023 2024 2025; do for m in 01 02 03 04 05 06 07 08 09 10 11 12; do echo "$y$m"; done; done | sed -n '4,27p' | paste -sd, -)
for pair in release:100 reissue:110; do
    name=${pair%%:*} count=${pair##*:}
    printf 'MajorText,MinorText,BoroughName,%s\nBURGLARY,BURGLARY - RESIDENTIAL,Barnet,%s\n' \
        "$months" "$(for _ in $(seq 24); do echo "$count"; done | paste -sd, -)" > "$name.csv"
done

# MPS Monthly Crime Dashboard: two bad files, and the generated test file (not real figures).
dash='Month_Year,Area Type,Borough_SNT,Area name,Area code,Offence Group,Offence Subgroup,Measure,Financial Year,FY_FYIndex,Count,Refresh Date'
printf '%s\n12/01/2023,Borough,Barnet,Barnet,E09000003,Knife Crime,Knife Crime with Injury,Offences,fy23-24,23-24_09,9,02/06/2024\n' "$dash" > month-first.csv
printf '%s\n01/12/2023,Borough,Barnet,Barnet,E09000003,Knife Crime,Knife Crime with Injury,Offences,fy23-24,23-24_09,9,06/02/2024\n01/12/2023,Borough,Barnet,Barnet,E09000003,KNIFE CRIME,KNIFE CRIME WITH INJURY,Offences,fy23-24,23-24_09,9,06/02/2024\n' "$dash" > dup.csv
cp "$DOCGEN_REPO/tests/fixtures/mps-monthly-crime-dashboard-sample.csv" .
