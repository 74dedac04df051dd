# Source from bash (scripts/test does): sets the locations of the test tools
# as absolute paths, for the tests to read. A variable already set to an
# existing file is kept; a tool that is not found leaves its variable unset
# (scripts/setup-test-tools installs them all).
#
#   BRIEFING_CHROMIUM      Debian's chromium (headless browser tests)
#   BRIEFING_CHROMEDRIVER  Debian's chromedriver, same version as chromium
#   BRIEFING_NGINX         nginx (publish test; run with its own -p/-c)
#   BRIEFING_JAVA          java, 11 or later, to run vnu.jar
#   BRIEFING_VNU_JAR       the Nu Html Checker: java -jar "$BRIEFING_VNU_JAR"
#   BRIEFING_AXE_JS        axe-core's axe.min.js, to inject into pages
#   BRIEFING_NODE          node, 18.16 or later, to run Lighthouse and puppeteer-core
#   BRIEFING_LIGHTHOUSE    Lighthouse's CLI: "$BRIEFING_NODE" "$BRIEFING_LIGHTHOUSE" URL
#   BRIEFING_PDFINFO       poppler-utils' pdfinfo (pdffonts, pdftotext, pdftoppm beside it)
#   BRIEFING_QPDF          qpdf, whose --json reads a PDF's objects (link annotations)
#   BRIEFING_PDFUA         pdfua (tools/venv): part of PDF/UA-1, checked offline
#   BRIEFING_PUPPETEER     puppeteer-core's entry module (scripts/screenshots)

_briefing_tools="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# _briefing_find VAR CANDIDATE... : export VAR as the first candidate found
# (an absolute path that exists, or a bare name looked up on PATH), unless VAR
# is already set to an existing file.
_briefing_find() {
    local var="$1" cand path
    shift
    if [ -n "${!var:-}" ] && [ -f "${!var}" ]; then export "${var?}"; return 0; fi
    unset "$var"
    for cand in "$@"; do
        case "$cand" in
            /*) path="$cand"; [ -f "$path" ] || continue ;;
            *) path="$(command -v "$cand" 2>/dev/null)" || continue ;;
        esac
        case "$path" in /*) ;; *) continue ;; esac   # skip aliases, functions
        export "$var=$path"
        return 0
    done
    return 0
}

_briefing_find BRIEFING_CHROMIUM chromium /usr/bin/chromium
_briefing_find BRIEFING_CHROMEDRIVER chromedriver /usr/bin/chromedriver
_briefing_find BRIEFING_NGINX nginx /usr/sbin/nginx
_briefing_find BRIEFING_JAVA java /usr/bin/java
_briefing_find BRIEFING_VNU_JAR "$_briefing_tools/node_modules/vnu-jar/build/dist/vnu.jar"
_briefing_find BRIEFING_AXE_JS "$_briefing_tools/node_modules/axe-core/axe.min.js"
_briefing_find BRIEFING_NODE node /usr/bin/node
_briefing_find BRIEFING_LIGHTHOUSE "$_briefing_tools/node_modules/lighthouse/cli/index.js"
_briefing_find BRIEFING_PDFINFO pdfinfo /usr/bin/pdfinfo
_briefing_find BRIEFING_QPDF qpdf /usr/bin/qpdf
_briefing_find BRIEFING_PDFUA "$_briefing_tools/venv/bin/pdfua"
_briefing_find BRIEFING_PUPPETEER "$_briefing_tools/node_modules/puppeteer-core/lib/esm/puppeteer/puppeteer-core.js"

unset -f _briefing_find
unset _briefing_tools
