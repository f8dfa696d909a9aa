// Prompt capability classifier: the pattern set, the scoring rules and the
// matcher plumbing. The header states the contract.
//
// The rules, in order:
//  1. Scan the prompt and the system prompt with the phrase table (word-list
//     alternatives), the hand-written matchers of classify/shape_rules.h
//     (twelve expressions Hyperscan runs badly) and the Hyperscan databases
//     (everything else; those of classify/word_gates.h only where the
//     phrase table saw their gate words); each
//     pattern counts at most once per text (HS_FLAG_SINGLEMATCH plus a hit
//     bitmap shared by both matchers, because a pattern may be split between
//     them and a long or damaged text is scanned in several pieces).
//  2. Capability score = sum of the weights of the matched patterns of that
//     capability; system-prompt matches count a third (a shared system
//     prompt says less about this request than the request itself).
//     Offering tools adds kToolsOfferedWeight to agentic_tool_use, enough to
//     decide it.
//  3. The capability with the highest score wins; ties go to the earlier one
//     in kTieBreakOrder (the capabilities extraction campaigns target first,
//     because missing one of those costs more than mislabelling chit-chat).
//  4. No capability scored: a prompt that reads as a question (opens with a
//     question word, ends with '?') is knowledge; a short prompt or a
//     follow-up turn is conversation; an empty prompt or anything else is
//     other.
//  5. reasoning_coercion: any coercion pattern in either text. rubric_grading:
//     rubric weight (strong cues 2, weak cues 1) reaches kRubricThreshold.
//
// Weights: kStrong (3) for cues that almost only occur in that capability
// ("```", "def f(", "you have access to the following tools", "riddle"),
// kMedium (2) for cues that usually do ("function", "essay", "how many"),
// kWeak (1) for cues that are merely consistent ("file", "explain", "tone").
// They were set by reading the shipped samples and the larger corpora under
// ../shared/corpora; classifier_test.cc pins the resulting distributions.

#include "classify/classifier.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "classify/database_bundle.h"
#include "classify/pattern_split.h"
#include "classify/required_literals.h"
#include "classify/shape_rules.h"
#include "classify/word_evidence.h"
#include "classify/word_gates.h"
#include "common/hash.h"
#include "common/recent_text_cache.h"
#include "common/utf8.h"

namespace dg {
namespace {

// What a pattern is evidence for. The first kCapabilityCount - 1 values
// mirror Capability (kOther has no patterns: it is what is left over).
enum class Signal : uint8_t {
  kSoftwareEngineering,
  kAgenticToolUse,
  kLongHorizon,
  kReasoning,
  kKnowledge,
  kWriting,
  kConversation,
  kCoercion,         // asks for the model's reasoning trace
  kRubric,           // uses the model as a judge / reward model
  kQuestionOpening,  // the text opens like a question (fallback rule only)
};

static_assert(static_cast<int>(Signal::kConversation) == static_cast<int>(Capability::kConversation));
static_assert(static_cast<size_t>(Capability::kOther) == kCapabilityCount - 1);

// Pattern options.
inline constexpr uint8_t kNoOptions = 0;
// Anchored with ^: only meaningful when the scanned piece starts the text
// (a tail piece or a piece after an invalid byte starts mid-text).
inline constexpr uint8_t kTextStartOnly = 1;
// Match case exactly: where case carries meaning (camelCase identifiers),
// where the script has no case (Chinese, Japanese, Korean), and for Cyrillic,
// whose words are written with an explicit capital initial ([Сс]писок)
// instead: caseless UTF-8 Cyrillic made the database 25% bigger and its
// compilation about 40% slower, for words that are lower case mid-sentence.
inline constexpr uint8_t kExactCase = 2;

// Capability weights, see the file comment.
inline constexpr uint8_t kWeak = 1;
inline constexpr uint8_t kMedium = 2;
inline constexpr uint8_t kStrong = 3;
// Rubric cues: a strong cue decides alone, weak ones ("on a scale of 1 to
// 10", "Response A") need a second cue, because each of them also occurs in
// ordinary prompts (surveys, movie ratings, "answer A or B").
inline constexpr uint8_t kRubricWeakCue = 1;
inline constexpr uint8_t kRubricStrongCue = 2;
inline constexpr int kRubricThreshold = 2;
// Coercion cues are all specific phrasings; one is enough.
inline constexpr uint8_t kCue = 1;

struct Pattern {
  Signal signal;
  uint8_t weight;
  const char* expression;
  uint8_t options = kNoOptions;
};

constexpr Signal kSe = Signal::kSoftwareEngineering;
constexpr Signal kAg = Signal::kAgenticToolUse;
constexpr Signal kLh = Signal::kLongHorizon;
constexpr Signal kRe = Signal::kReasoning;
constexpr Signal kKn = Signal::kKnowledge;
constexpr Signal kWr = Signal::kWriting;
constexpr Signal kCv = Signal::kConversation;
constexpr Signal kCoerce = Signal::kCoercion;
constexpr Signal kRubric = Signal::kRubric;
constexpr Signal kQuestion = Signal::kQuestionOpening;

// clang-format off
constexpr Pattern kPatterns[] = {
    // ---------------------------------------------------------------- software_engineering
    // Code itself.
    {kSe, kStrong, R"p(```)p"},
    {kSe, kStrong, R"p(\bdef [a-z_][a-z0-9_]*\s*\()p"},
    {kSe, kStrong, R"p(#include\s*[<"])p"},
    {kSe, kStrong, R"p((^|\n)\s*(import [a-z_]|from [a-z_][a-z0-9_.]* import |package [a-z]|using namespace |using system|public (static )?(class|void|int)|#!/|<\?php|<!doctype|<html|<div))p"},
    {kSe, kStrong, R"p(\b(console\.log|printf|println|system\.out|std::|cout\s*<<|malloc|sizeof|nullptr|__init__|__name__|int main|public static void|async def|fn main|let mut|self\.[a-z_]+|this\.[a-z_]+\s*=|=>\s*\{|\)\s*\{\s*\n))p"},
    {kSe, kMedium, R"p(`[^`\r\n]{1,80}`)p"},                  // inline code span
    {kSe, kMedium, R"p(\b[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\()p"},  // obj.method(
    {kSe, kWeak, R"p(\b[a-z_][a-z0-9_]*\([^()\r\n]{0,40}\))p"},    // call(...), also f(x)
    {kSe, kWeak, R"p((==|!=|\+=|-=|\|\||&&|::|->))p"},
    {kSe, kWeak, R"p(;[ \t]*(\n|$))p"},
    {kSe, kWeak, R"p(\b[a-z][a-z0-9]*_[a-z0-9_]+\b)p"},      // snake_case
    {kSe, kWeak, R"p(\b[a-z]{2,}[A-Z][a-z]+)p", kExactCase},  // camelCase
    {kSe, kMedium, R"p(\w\.(py|js|ts|jsx|tsx|cpp|cc|hpp|java|rs|go|rb|php|cs|kt|sh|sql|html|css|json|ya?ml|xml|csv|ipynb|toml|ini|cfg|exe|dll|jar|pkl|npy|h5|dat|bin)\b)p"},
    // Languages, libraries and tools.
    {kSe, kStrong, R"p(\b(python\d?|javascript|typescript|kotlin|golang|haskell|php|matlab|fortran|cobol|elixir|erlang|clojure|ocaml|solidity|verilog|vhdl|powershell|jquery|node\.?js|react\.?js|reactjs|vue\.?js|angularjs|next\.?js|django|fastapi|laravel|ruby on rails|spring boot|luau|objective-c|asp\.net|\.net core)\b)p"},
    {kSe, kStrong, R"p(\bc\+\+)p"},
    {kSe, kMedium, R"p(\bc#)p"},  // also a musical note
    {kSe, kStrong, R"p(\b(in|using|written in) (c|r|rust|swift|ruby|java|dart|lua|bash|julia|zig|perl|scala|sql|vba|excel vba)\b)p"},
    {kSe, kStrong, R"p(\b(java|rust|ruby|swift|lua|bash|julia|dart|go|c|r|sql|html|css|shell|excel|vba|react|angular|flask|unity|arduino)( code| program| script| function| class| method| library| crate| module| package| compiler| snippet| query| syntax| developer| programming| component| hook| app| formula| macro)\b)p"},
    {kSe, kStrong, R"p(\b(sql|mysql|postgres\w*|sqlite\d?|sqlalchemy|mongodb|redis|graphql|nosql|pl/sql|t-sql|oracle database)\b)p"},
    {kSe, kStrong, R"p(\b(numpy|pandas|scipy|matplotlib|pyplot|seaborn|plotly|sklearn|scikit-learn|tensorflow|keras|pytorch|opencv|cv2|beautifulsoup|bs4|selenium|tkinter|pygame|jupyter|pyspark|hadoop|openpyxl|subprocess|asyncio|urllib|lxml|scrapy|boto3|npm|maven|gradle|cmake|makefile|webpack|dockerfile|kubernetes|kubectl|k8s|terraform|nginx|github|gitlab|vscode|visual studio|stack ?overflow|leetcode|hackerrank)\b)p"},
    {kSe, kMedium, R"p(\b(java|rust|ruby|swift|perl|scala|lua|bash|zsh|docker|git|linux|ubuntu|debian|unix|conda|pip|flask|spark|apache|arduino|raspberry pi|excel formula|vba|html\d?|css\d?|json|xml|yaml|regex|regexp|regular expressions?|http|https|url|urls|api|apis|sdk|cli|gui|tcp|udp|dns|ssl|tls|oauth|jwt|ajax|dom|csv)\b)p"},
    // Programming activity.
    {kSe, kStrong, R"p(\b(coding|programming|programmer|source code|codebase|code base|code snippet|code review|pseudo-?code|refactor\w*|debug\w*|linter|segfault|segmentation fault|stack ?trace|traceback|null ?pointer|syntax error|runtime error|type ?error|memory leak|race condition|deadlock|unit tests?|test cases?|test suite|pytest|unittest|junit|pull request|merge conflict|compiler|compilation|compile[sd]? (error|time|fails?|failed|successfully|without)|(doesn|won|can)['’]?t compile|big[- ]o|time complexity|space complexity|o\(n( log n|\^?2)?\))\b)p"},
    {kSe, kStrong, R"p(\b(write|implement|create|define|code|build|design|develop|generate|give me|show me|fix|complete|debug|optimi[sz]e) (a |an |the |me a |me an |some |this |my )?(simple |short |small |basic |recursive |helper |python |javascript |java |c |c\+\+ |bash |shell |sql |rust |go )?(function|method|class|program|regex|query|unit test|api|endpoint|module|snippet|code|constructor|macro)\b)p"},
    {kSe, kMedium, R"p(\b(code|codes|function|functions|software|bug|bugs|error message|return value|returns? (true|false|none|null|the|a|an)|boolean|integer|integers|array|arrays|tuple|tuples|dict|dicts|dataframe|data ?frame|hash ?map|hashmap|hash ?table|linked list|binary tree|binary search|algorithm|algorithms|data structures?|list of (strings|integers|ints|numbers|words|lists|tuples|dicts|dictionaries|objects|floats|characters|elements|items)|nested lists?|substring|recursion|recursive|iterator|iterable|decorator|lambda|callback|enum|struct|pointer|pointers|bitwise|multithread\w*|threading|mutex|async|await|concurrency|for loop|while loop|loop (over|through)|iterate (over|through)|utf-?8|unicode|ascii|base64|hexadecimal|datetime|timestamp|serializ\w+|deserializ\w+|pars(e|er|ing) (the |a )?(json|xml|html|csv|string|file|url|arguments)|database|databases|backend|back-end|frontend|front-end|full[- ]stack|endpoint|endpoints|localhost|web ?app|web ?server|server-side|client-side|repository|repo|virtual environment|venv|package manager|install(ed|ing)? (the |a )?(package|library|module)|command line|command-line|stdin|stdout|stderr|sudo|chmod|grep|awk|sed|curl|wget|ssh|cron|crontab|systemctl|apt-get|apt install|brew install|pip install|npm install|mkdir|rm -rf|regex)\b)p"},
    {kSe, kWeak, R"p(\b(system design|software architecture|microservices?|scalability|variable|variables|parameter|parameters|script|scripts|library|libraries|framework|frameworks|exception|exceptions|float|floats|matrix|matrices|vector|vectors|tensor|tensors|terminal|shell|encoding|deploy|deployment|dependency|dependencies|string|strings|dictionary|dictionaries|index|indices|indexes|byte|bytes|binary|file|files|folder|folders|directory|directories|attribute|attributes|column|columns|path|query|queries|server|servers|config|configuration|spreadsheet|excel|dataset|datasets|parse|parsing|compile|compiles|software engineer)\b)p"},
    // Other languages: the nouns and verbs of developer requests.
    {kSe, kMedium, R"p(\b(diccionarios?|dictionarios?|cadenas?|arreglos?|archivos?|ficheros?|carpetas?|directorios?|funci[oó]n|funciones|tuplas?|columnas?|c[oó]digo|expresi[oó]n regular|base ?de ?datos|subprocesos?|consola|comandos?|programaci[oó]n|programar|variables?|fonctions?|fichiers?|cha[iî]nes? de caract[eè]res|programmation|dossiers?|funktion\w*|datei\w*|zeichenkette\w*|quellcode|programmier\w*|verzeichnis\w*|fun[cç][aã]o|fun[cç][oõ]es|arquivos?|pastas?|programa[cç][aã]o|dicion[aá]rio)\b)p"},
    {kSe, kWeak, R"p((^|[^a-z])(listas?|liste|listen|matriz|matrices|elementos?|filas?|enteros?|[ií]ndices?|rutas?|programas?|clases?|objetos?|m[eé]todos?|vectores|valores|llaves|imagen|tabla|n[uú]meros?)\b)p"},
    {kSe, kMedium, R"p(([Сс]писк|[Сс]писок|[Сс]трок[аеиоуы]|[Сс]трокой|[Пп]одстрок|[Мм]ассив|[Фф]айл|[Сс]ловар|[Кк]ортеж|[Дд]атафрейм|[Дд]иректори|[Пп]апк[аеиуо]|[Рр]егулярн|[Кк]одировк|[Сс]толбц|[Сс]толбец|[Фф]ункци|[Пп]еременн|[Пп]рограмм|[Сс]крипт|[Сс]ервер|[Бб]айт|[Пп]итон))p", kExactCase},
    {kSe, kWeak, R"p(([Оо]бъект|[Кк]ласс|[Ии]ндекс|[Кк]люч|[Сс]имвол|[Сс]ортир|[Мм]атриц|[Ээ]лемент|[Зз]апрос|[Кк]од|[Чч]исл|[Зз]начени|[Вв]ывести|[Вв]ыведи|[Пп]реобразовать|[Пп]олучить))p", kExactCase},
    {kSe, kMedium, R"p((リスト|文字列|配列|辞書|ファイル|関数|データフレーム|ディレクトリ|フォルダ|正規表現|変数|オブジェクト|モジュール|コード|プログラム|インデックス|タプル|引数|戻り値|返り値|標準出力|コマンド|エンコード|デコード|イテラブル|イテレータ|メソッド|インスタンス|スクリプト|テンソル|ライブラリ|データ型|型に変換|文字コード|代码|函数|编程|程序|数组|字符串|列表|字典|文件|变量|算法|调试|报错|编译|数据库|正则|脚本|코드|함수|프로그램|배열|문자열|리스트|파일|변수|알고리즘))p", kExactCase},
    {kSe, kWeak, R"p((整数|行列|要素|クラス|キー|ソート|パス|カラム|列|行数|バイト|データ|グラフ|画像|表示する|取得する|変換する))p", kExactCase},

    // ---------------------------------------------------------------- agentic_tool_use
    {kAg, kStrong, R"p(\byou (have|has|now have|will have|are given|are provided with|can use|may use|are able to use|get) (access to )?(the following |these |a set of |several |some |various |multiple )?(tools|functions|apis|a (python|code|bash|shell|sql) (interpreter|tool|sandbox)|a (terminal|browser|shell|sandbox|computer|search engine)|the internet|web search|web browsing))p"},
    {kAg, kStrong, R"p(\b(call|invoke|use|run|execute|pick|choose|select) (the |a |an |this |that |any |one of the |appropriate |relevant |available |following )*([a-z_]+ )?(tool|tools)\b)p"},
    {kAg, kStrong, R"p(\b(search|browser|browsing|calculator|python|code[_ ]interpreter|web[_ ]search|retrieval|weather|calendar|sql|bash|shell|terminal|file) tool\b)p"},
    {kAg, kStrong, R"p(\b(act|acting|behave|operate|work|function) as an? (autonomous |ai |software |research |coding |web |browsing |helpful |tool-using )?agent\b)p"},
    {kAg, kStrong, R"p(\byou are an? (autonomous |ai |llm |software |research |coding |web |browsing |helpful |intelligent |tool-using )?agent\b)p"},
    {kAg, kStrong, R"p((^|\n)\s*(action input|observation|final answer)\s*:)p"},
    {kAg, kMedium, R"p((^|\n)\s*(thought|action)\s*:)p"},
    {kAg, kStrong, R"p((<tool_call>|<function_call>|</?tools?>|<tool_use>|<tool_result>|<invoke\b|<function=|"tool_calls"|"function_call"|"tool_choice"|\btool_use\b|\btool_result\b|"parameters"\s*:\s*\{|\{\s*"name"\s*:\s*"[a-z_]+"\s*,\s*"(arguments|parameters)"))p"},
    {kAg, kStrong, R"p(\b(tool|function)[ _-]?(calls?|calling|invocations?|use)\b)p"},
    {kAg, kStrong, R"p(\b(plan|decide|determine|choose) (which|what) (tool|action|function|command)s? to (use|call|take|run)\b)p"},
    {kAg, kStrong, R"p(\buse (the |these |your )?(following |available )?(tools?|functions?|actions?) (to|when|if|as needed|whenever)\b)p"},
    {kAg, kStrong, R"p(\b(agentic|multi-agent|agent loop|react agent|react prompting|mcp server|model context protocol|autogpt|auto-gpt|langchain agent|computer use)\b)p"},
    {kAg, kMedium, R"p(\b(available (tools|functions|actions|commands)|following (tools|actions)|tools available|tool (list|schema|definitions?|descriptions?|results?|outputs?))\b)p"},
    {kAg, kMedium, R"p(\b(search (the web|the internet|online|google|bing)|web search|look (it |this |that )?up online|browse (the web|the internet|to|websites)|navigate to (the )?(url|page|website|site)|open (the )?(url|web ?page|website|link)|click (on )?(the )?(button|link)|fill (in|out) (the )?form|scroll (down|up)|take a screenshot)\b)p"},
    {kAg, kMedium, R"p(\b(execute|run) (the |this |these |following |a |any |shell |bash |terminal |system )*(commands?)\b)p"},
    {kAg, kMedium, R"p(\b(in|on|using|inside) (the|a|your) (terminal|sandbox|container|browser|workspace)\b)p"},
    {kAg, kMedium, R"p(\b(file ?system|working directory|workspace|sandbox|read_file|write_file|list_files|run_command|execute_command|web_search|search_web|browse_page|get_weather|send_email)\b)p"},
    {kAg, kMedium, R"p(\byou (can|may|should|must) (call|use|invoke|run|execute|access) (the |these |following |any |your |available )*(tools?|functions?|apis?|commands?)\b)p"},
    {kAg, kStrong, R"p((使用工具|调用工具|工具调用|函数调用|可用工具|ツールを使|ツール呼び出し|利用可能なツール))p", kExactCase},
    {kAg, kStrong, R"p((herramientas disponibles|usa la herramienta|utilise l['’]outil|outils disponibles|verfügbare werkzeuge))p"},
    {kAg, kStrong, R"p(([Ии]спользуй инструмент|[Дд]оступные инструменты|[Вв]ызов инструмент))p", kExactCase},

    // ---------------------------------------------------------------- long_horizon
    {kLh, kStrong, R"p(\b(end[- ]to[- ]end|from scratch|production[- ]ready|fully[- ]functional|full[- ]featured)\b)p"},
    {kLh, kStrong, R"p(\b(complete|full|entire|whole) (application|app|website|web app|system|project|solution|codebase|game|platform|saas|backend|implementation|course|curriculum|book|novel|business plan|marketing plan)\b)p"},
    {kLh, kStrong, R"p(\b(build|create|develop|implement|design|make|write) (a |an |the |me a |me an )?(complete|full|entire|whole|fully[- ]functional|production[- ]ready|full[- ]featured|scalable|comprehensive) )p"},
    {kLh, kStrong, R"p(\b(plan and execute|plan,? then (execute|implement)|break (this|it|the task|the project|the problem|everything)? ?(down )?into (smaller |manageable |individual |concrete |sequential )?(sub-?tasks|steps|tasks|parts|phases|milestones|stages)|sub-?tasks|multi[- ]step|multi[- ]stage|long[- ]horizon|long[- ]running|over (several|multiple|many|the next (few )?)(sessions|days|weeks|months|iterations|steps)|across (several|multiple|many) (sessions|files|modules|days|steps)|in (several|multiple) (sessions|parts|stages|phases)|keep track of (your )?(progress|state)|(continue|resume) (from )?where (you|we) (left off|stopped))\b)p"},
    {kLh, kMedium, R"p(\b(project plan|roadmap|road map|milestones?|deliverables|work ?breakdown|gantt|backlog|user stories|implementation plan|action plan|step[- ]by[- ]step plan|detailed plan|long[- ]term plan|business plan|curriculum|syllabus|study plan|training plan|lesson plan|content calendar|to-?do list|task list|checklist|\d+[- ](day|week|month)[- ](plan|program|course|schedule|itinerary|curriculum|challenge|roadmap))\b)p"},
    {kLh, kMedium, R"p(\b(step|phase|stage|milestone|sprint|part|week) (2|3|4|5|6|7|8|9|two|three|four|five|ii|iii|iv)\b)p"},
    {kLh, kMedium, R"p(\b\d{1,2},?\d{3}[- ]?\+?[- ]?words?\b)p"},   // "2000-word", "10,000 words"
    {kLh, kStrong, R"p(\b([5-9],?\d{3}|[1-9]\d,?\d{3})[- ]?\+?[- ]?words?\b)p"},  // 5,000 words and up
    {kLh, kMedium, R"p(\b(design doc(ument)?|technical design|technical specification|requirements document|white ?paper|(rollout|migration|launch|release|deployment) plan)\b)p"},
    {kLh, kMedium, R"p(\b(\d{2,3}|twenty|thirty|fifty|hundred)[- ]pages?\b)p"},
    {kLh, kMedium, R"p(\b(table of contents|chapter outline|each chapter|every chapter|all chapters|\d+ chapters|chapter (2|3|4|5|two|three)|module (2|3|4|5)|series of (articles|posts|videos|lessons))\b)p"},
    {kLh, kStrong, R"p((分步骤完成|项目计划|里程碑|完整的(应用|项目|系统|网站)|从零开始|プロジェクト計画|マイルストーン|ゼロから|一から作))p", kExactCase},
    {kLh, kStrong, R"p((plan de proyecto|desde cero|de principio a fin|plan de projet|à partir de zéro|von grund auf|projektplan))p"},
    {kLh, kStrong, R"p(([Пп]ошаговый план|[Пп]лан проекта|[Сс] нуля))p", kExactCase},

    // ---------------------------------------------------------------- reasoning
    {kRe, kStrong, R"p(\b(prove|proof|theorem|lemma|corollary|axiom|q\.?e\.?d|riddle|riddles|puzzle|puzzles|brain ?teasers?|logic puzzle|syllogism|paradox|lateral thinking|trick question|knights and knaves)\b)p"},
    {kRe, kMedium, R"p(\bhow (many|much|long|far|old|fast)\b)p"},
    {kRe, kMedium, R"p(\b(calculate|calculating|calculation|compute|computing|solve|solving|solution to|evaluate the expression|simplify|factori[sz]e|derive|derivation|estimate)\b)p"},
    {kRe, kMedium, R"p(\b(equation|equations|inequality|inequalities|polynomial|quadratic|integral|derivative|differential|logarithm|exponent|probability|probabilities|expected value|variance|standard deviation|algebra|geometry|trigonometry|calculus|eigen\w*|modulo|remainder|divisible|prime numbers?|factorial|greatest common|least common|arithmetic|combinatorics|permutations?|combinations?|sequence|series sum|converge\w*|hypotenuse|triangle|circle|radius|diameter|area of|volume of|perimeter)\b)p"},
    {kRe, kMedium, R"p(\b(true,? false,? or uncertain|(does not|doesn['’]t) belong|odd one out|what comes next|next (number|term|letter|shape) in|complete the (sequence|series|pattern)|based on (the|these) (statements|premises|clues)|the following statements|(first|second) statement|must be true|cannot be true|what can (we|you|be) (conclude|concluded|infer|inferred)|logically follows?)\b)p"},
    {kRe, kMedium, R"p(\bwhat(['’]?s| is| was| will be| would be| are) the (total|sum|product|average|mean|value|area|volume|perimeter|probability|speed|distance|ratio|cost|price|remainder|result|answer|number|percentage|profit|difference in)\b)p"},
    {kRe, kMedium, R"p(\bfind (the )?(value|values|sum|product|area|volume|perimeter|probability|number of|x|y|n|roots?|solutions?|minimum|maximum|limit|derivative|integral)\b)p"},
    {kRe, kMedium, R"p((\d\s*[+×÷^=*]\s*-?\d|\b[a-z]\s*\^\s*\d|\b[a-z]\s*=\s*-?\d|\bf\([a-z0-9]\)\s*=|\b(let|if|suppose) [a-z] (be|=|is)))p"},
    {kRe, kWeak, R"p((\d\s+[-/]\s+\d|\$\s?\d|\d\s?(%|percent)|\b(twice|thrice|triple|double|half) (as|the|of)\b|\btimes (as|more|less)\b|\bper (hour|day|week|month|year|minute|second|item|person|pound|kg|mile|gallon|dozen|unit|piece|box|pack)\b))p"},
    {kRe, kWeak, R"p(\b\d+(\.\d+)? ?(miles|mph|km|kilometers|meters|feet|inches|hours|minutes|seconds|dollars|cents|pounds|kg|grams|liters|gallons|cups|pieces|apples|eggs|students|cookies|marbles|candies|books|pages|boxes|bags|cars|times)\b)p"},
    {kRe, kWeak, R"p(\b(logic|logical|logically|deduce|deduction|deductive|inductive|infer|inference|reasoning|percent|percentage|ratio|fraction|fractions|average|total|sum|mean|median)\b)p"},
    {kRe, kMedium, R"p((cu[aá]ntos|cu[aá]ntas|cu[aá]nto|resuelve|resolver|ecuaci[oó]n|demuestra|demostrar|probabilidad|acertijo|combien|r[eé]sous|[eé]quation|d[eé]montre|wie viele|wie viel|l[oö]se die|gleichung|beweise|quantos|quantas|equa[cç][aã]o))p"},
    {kRe, kMedium, R"p(([Сс]колько|[Уу]равнени|[Дд]оказ(ать|ите|ательств)|[Вв]ероятност|[Рр]еши(те)? задач))p", kExactCase},
    {kRe, kMedium, R"p((多少|求解|方程|证明|概率|几个|谜题|いくつ|何個|何人|方程式|証明|確率|解きなさい|なぞなぞ|몇|방정식|증명))p", kExactCase},

    // ---------------------------------------------------------------- knowledge
    {kKn, kMedium, R"p(\b(tell me about|facts? about|who (was|were|invented|discovered|wrote|founded|painted|is the)|when (did|was|were)|what (year|century)|history of|origins? of|meaning of|definition of|capital (city )?of|population of)\b)p"},
    {kKn, kWeak, R"p(\b(explain|explaining|explanation|describe|description|define|definition|what (is|are|was|were|does|do)|where (is|are|was|were|do|does|did)|why (is|are|do|does|did|was|were|can|can['’]t|would)|how (does|do|did|is|are|can)|difference between|differences between|compare|comparison|versus|pros and cons|advantages|disadvantages|benefits of|causes of|effects of|impact of|role of|importance of|purpose of|examples? of|overview of|information (on|about)|recommend|suggest|best way|tips (for|on)|how to)\b)p"},
    {kKn, kWeak, R"p(\b(history|historical|ancient|medieval|century|empire|dynasty|war|revolution|president|king|queen|civilization|science|scientific|physics|chemistry|biology|biological|astronomy|geology|economics|economy|philosophy|psychology|sociology|geography|medicine|medical|disease|symptoms|anatomy|evolution|climate|ecosystem|photosynthesis|molecules?|atoms?|cells?|dna|genes?|proteins?|planets?|galaxy|universe|quantum|relativity|gravity|energy|law|laws|legal|theory|concept|culture|religion|invented|discovered|famous|largest|smallest|tallest|oldest)\b)p"},
    {kKn, kWeak, R"p((qu[eé] es|qu['’]est-ce que|was ist|explica|expliquez|explique|erkläre))p"},
    {kKn, kWeak, R"p(([Чч]то такое|[Оо]бъясни|[Рр]асскажи о|[Чч]то значит|[Пп]очему))p", kExactCase},
    {kKn, kWeak, R"p((什么是|为什么|解释|介绍一下|とは|説明して|なぜ|무엇|설명))p", kExactCase},

    // ---------------------------------------------------------------- writing
    {kWr, kStrong, R"p(\b((movie|film|video|youtube|podcast|tv|play|screen|sketch|comedy) scripts?|scripts? for (a|an|the|my)|script-?writer|screenwrit\w+|essay|essays|poem|poems|poetry|haiku|limerick|sonnet|short story|short stories|screenplay|lyrics|cover letter|press release|blog post|blog posts|op-ed|eulogy|slogan|slogans|tagline|taglines|ad copy|copywriting|product description|song lyrics|bedtime story|fan ?fiction|rap song|wedding speech|thank[- ]you (note|letter|email))\b)p"},
    {kWr, kMedium, R"p(\b(story|stories|fable|fairy tale|novel|monologue|dialogue|song|rap|jingle|headline|headlines|catchphrase|caption|captions|tweet|tweets|social media posts?|instagram|linkedin|blog|article|articles|newsletter|resume|biography|bio|obituary|speech|toast|invitation|email|emails|e-mail|memo|summary|paragraph|paragraphs|punch ?lines?|anecdote|narrative|verse|rhymes?|rhyming|persuasive|descriptive|catchy|in the style of|writing style|tone of voice|first person|third person)\b)p"},
    {kWr, kMedium, R"p(\b(rewrite|re-write|rephrase|paraphrase|reword|summari[sz]e|summari[sz]ing|condense|proofread|proof-read|polish|revise|copyedit|translate|translation|translating|make (it|this) (sound )?(more )?(formal|casual|professional|friendly|concise|polite|persuasive|engaging|funny|polished))\b)p"},
    {kWr, kMedium, R"p(\b(compose|draft|craft|pen) (a|an|me|my|the|some|two|three|\d+)\b)p"},
    {kWr, kWeak, R"p(\b(write|writing|written|edit|editing|letter|review|proposal|abstract|outline|introduction|conclusion|title|sentence|sentences|words?|tone|formal|informal|creative|funny|humorous|witty|character|characters|plot|protagonist|villain|scene|chapter|grammar|grammatical|spelling|punctuation|typos?|synonyms?|antonyms?|vocabulary|metaphor|simile|imagery|alliteration|expand on|script)\b)p"},
    {kWr, kMedium, R"p((^|[^a-z])(escribe|escribir|redacta|redactar|ensayo|poema|cuento|carta|correo|resumen|resume|resumir|traduce|traducir|reescribe|parafrasea|[eé]cris|[eé]crire|r[eé]dige|po[eè]me|lettre|dissertation|r[eé]sume|traduis|reformule|schreibe|schreib|gedicht|aufsatz|zusammenfassung|übersetze|umformulieren|escreva|reda[cç][aã]o|poesia|tradu[zç]a?)\b)p"},
    {kWr, kMedium, R"p(([Нн]апиши|[Нн]аписать|[Сс]тихотворени|[Сс]тих(и|ов|а)?(\s|[.,!?]|$)|[Сс]очинени|[Ээ]ссе|[Рр]ассказ|[Пп]исьмо|[Пп]ерескажи|[Пп]ерефразируй|[Пп]ереведи|[Сс]татью))p", kExactCase},
    {kWr, kMedium, R"p((写一|写一篇|写一首|作文|诗歌|文章|邮件|翻译|总结|摘要|润色|改写|書いて|作文|詩|記事|メール|翻訳|要約|文章|小説|物語|에세이|시를|이메일|번역|요약))p", kExactCase},

    // ---------------------------------------------------------------- conversation
    {kCv, kWeak, R"p(^[\s"'“]*(hi|hello|hey|hiya|howdy|yo|greetings|good (morning|afternoon|evening|night)|sup|hola|buenos d[ií]as|bonjour|salut|hallo|guten tag|ciao|ol[aá]|oi)\b)p", kTextStartOnly},
    {kCv, kWeak, R"p(^[\s"'“]*([Пп]ривет|[Зз]дравствуй(те)?|[Дд]обрый день)(\s|[,.?!:]|$))p", kTextStartOnly | kExactCase},
    {kCv, kWeak, R"p(^[\s"'“]*(你好|您好|嗨|こんにちは|こんばんは|おはよう|안녕))p", kTextStartOnly | kExactCase},
    {kCv, kStrong, R"p(\b(how are you|how are u|how r u|how['’]?s it going|how have you been|what['’]?s up|whats up|nice to meet you|good to see you|how was your day|how['’]?s your day|how do you feel|are you (ok|okay|alright|there))\b)p"},
    {kCv, kStrong, R"p((¿?c[oó]mo est[aá]s|qu[eé] tal|comment [cç]a va|comment vas-tu|wie geht['’]?s|wie geht es dir|tudo bem))p"},
    {kCv, kStrong, R"p(([Кк]ак дела|[Кк]ак ты(\s|[.,!?]|$)))p", kExactCase},
    {kCv, kStrong, R"p((你好吗|最近怎么样|お元気|元気ですか|잘 지내))p", kExactCase},
    {kCv, kWeak, R"p(\b(thanks|thank you|thank u|thx|ty|appreciate it|cheers|gracias|merci|danke|obrigad[oa])\b)p"},
    {kCv, kWeak, R"p([Сс]пасибо)p", kExactCase},
    {kCv, kWeak, R"p((谢谢|ありがとう|감사))p", kExactCase},
    {kCv, kMedium, R"p(\b(who are you|what are you|what['’]?s your name|what is your name|are you (a |an )?(human|robot|bot|ai|real|sentient|conscious|alive|chatgpt|gpt|person)|do you (have feelings|feel|like|love|hate|enjoy|dream|prefer|want|remember me)|can you feel)\b)p"},
    {kCv, kMedium, R"p(\b(what do you think|what['’]?s your (opinion|take|favorite|favourite)|your (opinion|thoughts|views?|favorite|favourite|feelings)|in your opinion|what would you do|would you rather|do you agree)\b)p"},
    {kCv, kStrong, R"p(\b(i['’]?m|i am|i feel|i['’]?ve been|feeling|i get) (so |really |very |a bit |kind of |pretty |super |extremely |always |often )?(sad|lonely|depressed|bored|stressed|anxious|tired|upset|angry|lost|scared|nervous|worried|heartbroken|overwhelmed|frustrated|hurt|jealous|insecure|miserable|unhappy|suicidal)\b)p"},
    {kCv, kWeak, R"p(\bmy (wife|husband|girlfriend|boyfriend|partner|ex|mom|mum|mother|dad|father|parents|friend|friends|best friend|boss|coworker|co-worker|kids?|son|daughter|sister|brother|roommate|neighbou?r|crush|family|dog|cat|teacher|grandma|grandpa)\b)p"},
    {kCv, kMedium, R"p(\b(should i|do you think i should|what should i do|any advice|give me (some )?advice|need (some )?advice|help me (decide|cope|deal)|how (do|can|should) i (cope|deal|get over|stop feeling|make friends|tell my|ask (her|him|them) out|apologi[sz]e|forgive|move on))\b)p"},
    {kCv, kMedium, R"p(\b(tell me a joke|make me laugh|let['’]?s (chat|talk)|can we (chat|talk)|talk to me|i love you|i hate you|you['’]?re (stupid|dumb|smart|funny|awesome|great|the best|useless|wrong|right)|good ?bye|bye|see you|good night|never mind|nevermind|just kidding|lol|lmao|haha+|hehe|omg|wtf|rofl)\b)p"},
    {kCv, kMedium, R"p(\b(role ?-?play|pretend (to be|you are|you['’]?re)|play the (role|part) of|act (as|like) (a|an|my)\b|you are now\b|from now on,? you|stay in character|in character|embody the|embrace the role|assume the role|take on the role|imagine yourself as|imagine you are)\b)p"},

    // ---------------------------------------------------------------- reasoning-trace coercion
    {kCoerce, kCue, R"p(\b(think|thinking|reason|reasoning|solve|solving|work|working|answer|explain|explaining|go|going|derive|calculate|compute|figure|break (it|this) down|proceed|approach (it|this)|analy[sz]e) (it |this |that |the (problem|question|answer) |through (it|this|the problem|each step) |out |everything )*step[- ]by[- ]step\b)p"},
    {kCoerce, kCue, R"p(\bstep[- ]by[- ]step (reasoning|solution|explanation|derivation|thinking|thought|thoughts|analysis|approach|breakdown|logic|working|rationale|calculation|manner|fashion)\b)p"},
    {kCoerce, kCue, R"p(\b(let['’]?s|let us) (think|reason|work|go|solve|take it) (this |it )?(through|carefully|logically|step|out loud|slowly))p"},
    {kCoerce, kCue, R"p(\bchain[- ]of[- ](thought|reasoning)\b)p"},
    {kCoerce, kCue, R"p(\b(show|display|reveal|output|print|give|provide|include|write out|write down|share|expose|dump|tell) (me |us )?(all |all of |every |each )?(your|the|of your|of the) ?(full |complete |entire |whole |detailed |internal |hidden |private |raw |inner |underlying |intermediate |step-by-step |thorough )*(chain of thought|reasoning|thought process|thinking process|reasoning process|thinking|thoughts|work|workings|derivation|calculations|rationale|logic|scratchpad|train of thought)\b)p"},
    {kCoerce, kCue, R"p(\b(lay out|set out|spell out|break down|outline|present|state|document|summari[sz]e|write up) (me |us )?(all of |all )?(your|the) ?(full |complete |entire |whole |detailed |step-by-step )?(reasoning|thought process|chain of reasoning|reasoning process)\b)p"},
    {kCoerce, kCue, R"p(\b(how|why) (you|did you|do you) (arrived?|got|get|came|come|reached?|derived?|worked out|figured out) (at )?(the (answer|result|solution|conclusion|number|final answer)|this|that|your (answer|result|solution|conclusion))\b)p"},
    {kCoerce, kCue, R"p(\b((rationale|justification|explanation|reasoning|reason) for (each|every) step|step[- ]by[- ]step (way|manner|fashion|format)|in (numbered|explicit|small|logical|sequential) (reasoning )?steps)\b)p"},
    {kCoerce, kCue, R"p(\b(explain|justify|describe|detail|articulate|verbali[sz]e|narrate) ((your|each|every|all) ?(reasoning|thought process|thinking|logic|rationale|reasoning steps|steps? of your (reasoning|thinking)|step)|the (reasoning|thought process|reasoning steps|steps of (your|the) reasoning))\b)p"},
    {kCoerce, kCue, R"p(\bwalk (me|us) through (your|the|each|every) ?(reasoning|thinking|thought process|logic|steps? of (your )?(reasoning|thinking|solution)|solution|derivation|calculation|step)\b)p"},
    {kCoerce, kCue, R"p(\b(reason|think) (carefully|thoroughly|deeply|hard|logically|systematically|out loud|aloud|it through|this through|through (it|this|the problem|each step|every step)) ?(,|and|then|before|first|about)?)p"},
    {kCoerce, kCue, R"p(\b(think|reason|deliberate|reflect) (about it |about this |carefully |step by step )?(before|prior to) (you )?(answering|responding|replying|giving|providing|writing|you answer|you respond|the final answer|answer|respond))p"},
    {kCoerce, kCue, R"p(\b(internal|inner|hidden|private|raw|full|complete|entire|verbose|detailed) (reasoning|monologue|thoughts|thought process|thinking|chain of reasoning|reasoning trace|reasoning chain)\b)p"},
    {kCoerce, kCue, R"p(\b(reasoning (trace|traces|chain|steps|process)|thought process|thinking process|train of thought)\b)p"},
    {kCoerce, kCue, R"p(\b(include|show|list|write out|write down|provide|give|detail|spell out|display|keep) (all|every|each)( of the| single| of your)? ?(intermediate |reasoning |logical |calculation |computational )?(steps?|calculations?)\b)p"},
    {kCoerce, kCue, R"p(\bintermediate (steps|reasoning|results|calculations|computations|thoughts)\b)p"},
    {kCoerce, kCue, R"p(\b(do not|don['’]?t|never|without) skip(ping)? (any |a |over )?(steps?|reasoning|details of (your|the) reasoning)\b)p"},
    {kCoerce, kCue, R"p(\b(show|showing) (all )?(your|the) (steps|calculations|derivation|work)\b|\bshow (all )?your working\b)p"},
    {kCoerce, kCue, R"p(\b(before|prior to) (giving|providing|stating|writing|outputting) (your|the) (final )?answer\b)p"},
    {kCoerce, kCue, R"p(</?(thinking|think|reasoning|scratchpad|thought|thoughts|cot|reflection|inner_monologue)>|\[(thinking|reasoning|thoughts)\])p"},
    {kCoerce, kCue, R"p((piensa|razona|resuelve|explica|expl[ií]calo|expl[ií]came|analiza|desarrolla)( esto| lo| el problema)? paso a paso|paso a paso|(muestra|mu[eé]strame|explica|expl[ií]came|detalla|incluye)( todo)? (tu|el|todo tu|su) (razonamiento|proceso de pensamiento|proceso de razonamiento)|cadena de pensamiento|razonamiento (completo|detallado|paso a paso))p"},
    {kCoerce, kCue, R"p((r[eé]fl[eé]chis(sez)?|raisonne[sz]?|r[eé]sous|r[eé]solvez|explique[sz]?) [eé]tape par [eé]tape|[eé]tape par [eé]tape|pas à pas|(d[eé]taill\w*|expliqu\w*|montr\w*) (chaque|toutes les) [eé]tapes?|(montre|montrez|explique|expliquez|d[eé]taille[sz]?)( moi| nous)? (ton|votre|le) raisonnement|cha[iî]ne de pens[eé]e|raisonnement (d[eé]taill[eé]|complet))p"},
    {kCoerce, kCue, R"p((^|[^a-z])(denke|denk|überlege|löse|erkläre|erklär) (es |das )?schritt f[uü]r schritt|schritt[- ]f[uü]r[- ]schritt|schrittweise|(zeige|zeig|erkläre|erklär) (mir |uns )?(deinen|deine|den) (denkprozess|gedankengang|lösungsweg|rechenweg|überlegungen|argumentation)|gedankenkette)p"},
    {kCoerce, kCue, R"p((pense|raciocine|resolva|explique) passo a passo|passo a passo|(mostre|explique|mostra|detalhe)( o| todo o| seu| o seu| teu) (seu )?racioc[ií]nio|cadeia de pensamento|passo dopo passo|(mostra|spiega) il tuo ragionamento|ragiona passo|adım adım|từng bước|خطوة بخطوة)p"},
    {kCoerce, kCue, R"p((一步一步|一步步|逐步思考|逐步推理|逐步分析|逐步解|请逐步|分步思考|分步推理|分步骤|思维链|思考链|推理过程|思考过程|解题过程|详细推理|推理步骤|解题步骤|写出(详细|完整|你的|所有|每一?步)?的?(推理|思考|解题|计算|中间)?(过程|步骤)|展示(你的)?(详细|完整)?的?(推理|思考|解题)(过程|步骤)|ステップバイステップ|段階的に|一歩ずつ|順を追って|思考過程|推論過程|推理過程|過程を(すべて|全て|詳しく)?(書|示|説明)|思考の過程|途中式|思考の連鎖|考え方を示|推論の過程))p", kExactCase},
    {kCoerce, kCue, R"p(([Шш]аг за шагом|[Пп]ошагов|([Пп]окажи|[Пп]окажите|[Оо]пиши|[Оо]бъясни|[Оо]бъясните|[Рр]аспиши|[Рр]аспишите)( мне)?( свой| свои| весь| все| подробно)? ?(ход (своих )?(рассуждений|мыслей|решения)|рассуждени|мышлени)|[Хх]од рассуждений|[Цц]епочк[аеуи] рассуждений|[Цц]епочк[аеуи] мыслей|[Рр]ассуждай|[Пп]одумай шаг))p", kExactCase},
    {kCoerce, kCue, R"p((단계별로|단계적으로|차근차근|추론 과정|사고 과정|풀이 과정))p", kExactCase},

    // ---------------------------------------------------------------- rubric grading (model as judge / reward model)
    {kRubric, kRubricStrongCue, R"p(\b(as|act as|acting as|you are|serve as|behave as) an? (impartial|unbiased|fair|objective|expert|strict|neutral|helpful|careful|critical|independent|experienced)? ?(judge|evaluator|grader|annotator|rater|assessor|referee|reviewer of (ai|model|chatbot|assistant))\b)p"},
    {kRubric, kRubricWeakCue, R"p(\brubrics?\b)p"},  // teachers also ask for rubrics
    {kRubric, kRubricStrongCue, R"p(\b((according to|based on|using|follow|against) (the|this|a|following) (\w+ )?rubric|rubric:|grading rubric|scoring rubric|grading (criteria|guidelines|scheme|scale|instructions)|scoring (criteria|guidelines|scheme|scale|rubric|instructions)|evaluation (criteria|rubric|guidelines|rubrics)|marking (scheme|criteria)|reward model|reward score|preference (label|judgment|judgement|data)|pairwise (comparison|preference)|llm[- ]as[- ]a[- ]judge)\b)p"},
    {kRubric, kRubricStrongCue, R"p(\bwhich (of the (two|following) )?(response|responses|answer|answers|completion|completions|output|outputs|assistant|reply|replies|summary|summaries|translation|model|candidate)( is| was| did| does| performs|,)? ?(better|best|more helpful|preferred|more accurate|superior|higher quality|more correct|more appropriate|worse|the better)\b)p"},
    {kRubric, kRubricStrongCue, R"p(\bcompare (the )?(two |both |following |these )*(responses|answers|completions|outputs|replies|summaries|generations|candidates|model outputs)\b)p"},
    {kRubric, kRubricStrongCue, R"p(\b(response|answer|completion|output|assistant|candidate|summary|model) ?\(?(a|1)\)?,? (and|vs\.?|versus|or|with) (the )?(response|answer|completion|output|assistant|candidate|summary|model) ?\(?(b|2)\)?(\s|[.,:;?'’]|$))p"},
    {kRubric, kRubricStrongCue, R"p((\[\[[abc]\]\]|\[\[\d+(\.\d+)?\]\]|\[\[rating\]\]|\[\[score\]\]|\[(the )?(start|end) of (assistant|the assistant|response|answer|reference answer|the reference)|\[user question\]))p"},
    {kRubric, kRubricStrongCue, R"p(\b(evaluate|assess|rate|score|grade|judge|critique|review|rank) (the )?(quality|helpfulness|correctness|accuracy|harmlessness|relevance)? ?(of )?(the |this |each |both |these |following |two |all )*(ai |ai['’]s |chatbot['’]?s? |assistant['’]?s? |model['’]?s? |generated |candidate |llm['’]?s? |student['’]?s? )?(responses?|answers?|outputs?|completions?|replies|reply|generations?)( to| on| below| above| provided| for|\b))p"},
    {kRubric, kRubricStrongCue, R"p(\b(output|return|respond with|reply with|end with) (a|the|your|an overall|only the|only a|a single|one|just the|just a) (final |numerical |numeric |integer |overall |preference )?(score|rating|verdict|judgment|judgement)\b)p"},
    {kRubric, kRubricWeakCue, R"p(\b(assign|provide|give|produce) (a|the|your|an overall|an|a single|one) (final |numerical |numeric |integer |overall |preference )?(score|rating|verdict|judgment|judgement)\b)p"},
    {kRubric, kRubricStrongCue, R"p(\bhow well does (the|this) (following )?(response|answer|output|completion)\b)p"},
    {kRubric, kRubricStrongCue, R"p(\b(judge|decide|determine|assess|evaluate|check|verify) (whether|if) (the|this|each|a) (model['’]?s? |assistant['’]?s? |ai['’]?s? |candidate |generated )?(response|answer|output|completion|reply|prediction)s? (is|was|are) (correct|accurate|helpful|harmless|right|better|acceptable|consistent|faithful|factual)\b)p"},
    {kRubric, kRubricStrongCue, R"p(\b(compare|check|grade|evaluate|judge) (it|the response|the answer|the output|the assistant['’]?s answer|the prediction)s? (against|with|to) (the )?(reference|gold|ground[- ]truth|correct|expected) (answer|solution|output|response)\b)p"},
    {kRubric, kRubricWeakCue, R"p(\bon a (scale|score) (of|from) (0|1)( to|-|–)(1|3|4|5|7|10|100)\b)p"},
    {kRubric, kRubricWeakCue, R"p(\b(score|rating|rate|grade)s? (it |them |each |the response |the answer )?(from|between|of) (0|1)(\.0)? (to|and|-) (1|3|4|5|7|10|100)\b)p"},
    {kRubric, kRubricWeakCue, R"p(\b(reference answer|gold answer|ground[- ]truth answer|model answer|expected answer|candidate answer|student answer|assistant['’]?s (response|answer)|ai['’]?s (response|answer)|the (two )?responses|helpfulness|harmlessness|honesty|coherence|fluency|factuality|faithfulness)\b)p"},
    {kRubric, kRubricWeakCue, R"p(\b(response|answer|completion|output|assistant) (a|b|1|2)\s*[:\]])p"},
    {kRubric, kRubricWeakCue, R"p(\b[AB] ?(>>?|=|<<?) ?[AB]\b)p", kExactCase},  // preference labels "A>B", "A=B"
    {kRubric, kRubricWeakCue, R"p(\b(reward|preference|preferred|chosen|rejected|verdict|criteria|criterion|score|scores|scoring|grading|rating)\b)p"},
    {kRubric, kRubricStrongCue, R"p((评分标准|打分|哪个回答更好|哪个回复更好|评估.{0,10}回答|公正的评委|採点基準|評価基準|どちらの回答|回答を評価|채점 기준|어느 답변))p", kExactCase},
    {kRubric, kRubricStrongCue, R"p((r[uú]brica|califica (la|las|esta|estas) respuestas?|eval[uú]a (la|las) respuestas?|qu[eé] respuesta es mejor|quelle r[eé]ponse est (la )?meilleure|[eé]value[zr]? (la|les) r[eé]ponses?|bewertungskriterien|bewerte die antwort|welche antwort ist besser))p"},
    {kRubric, kRubricStrongCue, R"p(([Кк]ритерии оценки|[Оо]цени(те)? ответ|[Кк]акой ответ лучше))p", kExactCase},

    // ---------------------------------------------------------------- question opening (fallback only)
    {kQuestion, kCue, R"p(^[\s"'“¿¡(]*(what|what['’]?s|whats|who|whom|whose|when|where|why|how|which|explain|describe|define|is|are|can|could|does|do|did|should|would|will|was|were|has|have|que|como|cual|cuales|cuando|donde|quien|pourquoi|comment|quel|quelle|est-ce|warum|wie|was|wer|wo|wann|weshalb)\b)p", kTextStartOnly},
    {kQuestion, kCue, R"p(^[\s"'“¿¡(]*(qu[eé]|c[oó]mo|cu[aá]l(es)?|cu[aá]ndo|d[oó]nde|por qu[eé]|qui[eé]n|qu['’]est)(\s|[,.?!:]|$))p", kTextStartOnly},
    {kQuestion, kCue, R"p(^[\s"'“¿¡(]*([Чч]то|[Кк]ак|[Пп]очему|[Зз]ачем|[Гг]де|[Кк]огда|[Кк]то|[Кк]акой|[Кк]акая|[Кк]акие|[Кк]аков|[Оо]бъясни|[Оо]пиши)(\s|[,.?!:]|$))p", kTextStartOnly | kExactCase},
    {kQuestion, kCue, R"p(^[\s"'“]*(什么|为什么|如何|怎么|怎样|哪|谁|是否|请解释|请介绍|なぜ|どう|どの|何|いつ|どこ|誰|무엇|왜|어떻게|언제|어디))p", kTextStartOnly | kExactCase},
};
// clang-format on

inline constexpr size_t kPatternCount = std::size(kPatterns);
inline constexpr size_t kBitsPerWord = 64;
inline constexpr size_t kHitWords = (kPatternCount + kBitsPerWord - 1) / kBitsPerWord;
using HitSet = std::array<uint64_t, kHitWords>;

// Scores are kept in thirds of a point so that system-prompt matches can count
// a third without floating point. A third, not a half: system prompts are
// long and cue-dense ("You are an expert Python programmer..."), and with half
// weight such a prompt outvoted a plain "Write a poem about the sea".
inline constexpr int kPromptScale = 3;
inline constexpr int kSystemScale = 1;
// Offering tools is the strongest single fact about a request: the model is
// being asked to act, and tool-use trajectories are what extraction campaigns
// harvest. Worth ten strong cues, which outweighs every other capability's
// score on the shipped samples and the corpora they come from (the highest
// seen is 27, a long C++ debugging question), so in practice a request with
// tools is agentic_tool_use and its text still shows in capability_hits. A
// coding agent's request is therefore agentic, not software_engineering.
inline constexpr int kToolsOfferedWeight = 10 * kStrong;

// Argmax tie-break, most extraction-relevant first.
inline constexpr std::array<Capability, kCapabilityCount - 1> kTieBreakOrder = {
    Capability::kAgenticToolUse, Capability::kLongHorizon, Capability::kSoftwareEngineering, Capability::kReasoning,
    Capability::kWriting,        Capability::kKnowledge,   Capability::kConversation,
};

// Without any cue, a prompt this short is a reaction or small talk ("yep",
// "lol that's not it", "ok thanks man") rather than a task; 48 bytes is about
// eight English words.
inline constexpr size_t kShortChatMaxBytes = 48;

// Intent sits at the start of a prompt (the instruction) or at its end (the
// instruction after pasted material); the middle of a huge prompt adds cost,
// not evidence. The two matchers together read roughly 60-110 MB/s (the
// residual Hyperscan database is still a hundred alternations with word
// boundaries), so capping the scanned bytes keeps one adversarial 1 MB
// prompt well under a millisecond instead of ~10-20 ms. Typical prompts (<4 KB) and most agent system prompts
// with tool schemas fit in the head entirely.
inline constexpr size_t kScanHeadBytes = size_t{32} * 1024;
inline constexpr size_t kScanTailBytes = size_t{8} * 1024;

inline constexpr unsigned char kFirstNonAscii = 0x80;

struct ScanState {
  HitSet* hits = nullptr;
  bool at_text_start = false;
};

// Hyperscan's match_event_handler, whose parameter types are fixed.
// NOLINTNEXTLINE(google-runtime-int)
int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/, unsigned int /*flags*/,
            void* context) {
  auto* state = static_cast<ScanState*>(context);
  if (id >= kPatternCount) return 0;
  if (!state->at_text_start && (kPatterns[id].options & kTextStartOnly) != 0) return 0;
  (*state->hits)[id / kBitsPerWord] |= uint64_t{1} << (id % kBitsPerWord);
  return 0;  // keep scanning
}

bool HasHit(const HitSet& hits, unsigned id) { return ((hits[id / kBitsPerWord] >> (id % kBitsPerWord)) & 1) != 0; }

}  // namespace

// The residual expressions, compiled. Most share one database. The
// expressions of classify/shape_rules.h are in none (see `shapes` below);
// with ClassifierOptions::shape_rules off, the few whose best required
// literal is a single character (code syntax such as
// "\b[a-z_][a-z0-9_]*\(", snake_case, inline code spans, digits) are what
// made the shared database slow: its literal matcher has nothing longer to
// anchor them on, so it confirms a candidate every few bytes of prose;
// without them it took 54 ms instead of 87 ms for the same 40,001 texts
// (docs/benchmarks.md).
// Each of those has its own database, run on a piece of text only if the
// piece holds a byte of each of its single-byte clauses
// (classify/required_literals.h), which every match contains; so the hits are
// exactly those of one database. Immutable after Create(), shared by clones.
struct ResidualMatchers {
  struct DatabaseDeleter {
    void operator()(hs_database_t* db) const { hs_free_database(db); }
  };
  using DatabasePtr = std::unique_ptr<hs_database_t, DatabaseDeleter>;

  struct Gated {
    DatabasePtr database;  // this one expression
    unsigned pattern = 0;  // index into kPatterns
    // One mask of gate bits per single-byte clause; all must meet the text.
    std::array<uint64_t, kMaxClauses> clause_bits{};
    size_t clause_count = 0;
  };

  DatabasePtr shared;  // null when no expression is left for it
  std::vector<Gated> gated;
  size_t precompiled = 0;  // databases taken from ClassifierOptions::precompiled
  // Gate bit of each byte value (0 for bytes no clause holds); at most 64
  // distinct gate bytes.
  std::array<uint64_t, 256> byte_bits{};

  // Expressions decided by classify/shape_rules.h instead of Hyperscan
  // (camelCase, the arithmetic rule, ...): which ones (none with
  // ClassifierOptions::shape_rules off) and the pattern each belongs to.
  ShapeMask shapes = 0;
  std::array<unsigned, kShapeRuleCount> shape_pattern{};
  // The shape expressions in UTF-8 mode, for the rare run MatchShapes()
  // leaves undecided (one holding U+017F or U+212A); null if none.
  DatabasePtr shape_fallback;

  // Expressions of classify/word_gates.h (none with
  // ClassifierOptions::gate_residual off): each in a database of its own,
  // run on a piece only if the phrase table set the piece's gate bit, a hit
  // bit above the patterns' (kPatternCount + index into WordGates()).
  struct WordGated {
    DatabasePtr database;
    unsigned pattern = 0;   // index into kPatterns
    unsigned gate_bit = 0;  // bit of HitSet the phrase table sets for its words
  };
  std::vector<WordGated> word_gated;
};

// The matches of recent system prompts. An application sends the same
// system prompt with each of its requests (in the demo traffic two events in
// three carry one, 577 distinct among 100,000 events), and a text's matches
// depend on nothing but the text, so they are kept per instance and reused
// when the same bytes come again: the key is a hash, but a hit is checked
// byte for byte, so the result is exactly that of a scan. Direct-mapped (a
// new prompt replaces the one in its slot); prompts longer than kMaxBytes are
// always scanned. Memory is allocated once, when the instance is made, so
// Classify() still never allocates.
// 256 slots kept 91% of the demo traffic's system prompts (64: 73%).
struct SystemPromptCache : RecentTextCache<HitSet> {};

namespace {

// Hyperscan's behaviour on invalid UTF-8 is undefined for UTF-8 patterns, so
// only well-formed runs are handed to it; invalid bytes act as separators.
// Returns false if Hyperscan reports an error.
bool ScanRun(const ResidualMatchers& m, hs_scratch_t* scratch, std::string_view run, ScanState* state) {
  const auto length = static_cast<unsigned int>(run.size());
  if (m.shared != nullptr && hs_scan(m.shared.get(), run.data(), length, 0, scratch, OnMatch, state) != HS_SUCCESS) {
    return false;
  }
  for (const ResidualMatchers::WordGated& g : m.word_gated) {
    if (HasHit(*state->hits, g.pattern) || !HasHit(*state->hits, g.gate_bit)) continue;
    if (hs_scan(g.database.get(), run.data(), length, 0, scratch, OnMatch, state) != HS_SUCCESS) return false;
  }
  if (m.shapes != 0) {
    ShapeMask wanted = 0;
    for (size_t s = 0; s < kShapeRuleCount; ++s) {
      const unsigned id = m.shape_pattern[s];
      const bool text_start_only = (kPatterns[id].options & kTextStartOnly) != 0;
      if (((m.shapes >> s) & 1) != 0 && !HasHit(*state->hits, id) && (state->at_text_start || !text_start_only)) {
        wanted |= ShapeMask{1} << s;
      }
    }
    if (wanted != 0) {
      const ShapeMatches shapes = MatchShapes(run, wanted);
      for (size_t s = 0; s < kShapeRuleCount; ++s) {
        const unsigned id = m.shape_pattern[s];
        if (((shapes.matched >> s) & 1) != 0) (*state->hits)[id / kBitsPerWord] |= uint64_t{1} << (id % kBitsPerWord);
      }
      if (shapes.undecided != 0 &&
          hs_scan(m.shape_fallback.get(), run.data(), length, 0, scratch, OnMatch, state) != HS_SUCCESS) {
        return false;
      }
    }
  }
  if (m.gated.empty()) return true;
  // One table lookup per byte: which gate bytes the run holds.
  uint64_t present = 0;
  for (const char c : run) present |= m.byte_bits[static_cast<unsigned char>(c)];
  for (const ResidualMatchers::Gated& g : m.gated) {
    if (HasHit(*state->hits, g.pattern)) continue;  // already decided (by the phrase table or an earlier run)
    bool open = true;
    for (size_t k = 0; k < g.clause_count; ++k) open = open && (present & g.clause_bits[k]) != 0;
    if (open && hs_scan(g.database.get(), run.data(), length, 0, scratch, OnMatch, state) != HS_SUCCESS) {
      return false;
    }
  }
  return true;
}

bool ScanValidRuns(const ResidualMatchers& m, hs_scratch_t* scratch, std::string_view text, bool starts_text,
                   HitSet* hits) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;  // the top bit of 8 bytes
  ScanState state{hits, false};
  auto scan = [&](size_t begin, size_t end) {
    if (end <= begin) return true;
    state.at_text_start = starts_text && begin == 0;
    return ScanRun(m, scratch, text.substr(begin, end - begin), &state);
  };
  size_t run_begin = 0;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    if (i + sizeof(uint64_t) <= n) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof(word));
      if ((word & kHighBits) == 0) {
        i += sizeof(word);
        continue;
      }
    }
    if (static_cast<unsigned char>(text[i]) < kFirstNonAscii) {
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(text.substr(i));
    if (len != 0) {
      i += len;
      continue;
    }
    if (!scan(run_begin, i)) return false;
    ++i;
    run_begin = i;
  }
  return scan(run_begin, n);
}

bool ScanPiece(const ResidualMatchers& m, hs_scratch_t* scratch, const PhraseTable& phrases, std::string_view piece,
               bool starts_text, HitSet* hits) {
  phrases.Scan(piece, *hits);
  return ScanValidRuns(m, scratch, piece, starts_text, hits);
}

bool ScanText(const ResidualMatchers& m, hs_scratch_t* scratch, const PhraseTable& phrases, std::string_view text,
              HitSet* hits) {
  if (text.empty()) return true;
  if (text.size() <= kScanHeadBytes + kScanTailBytes) return ScanPiece(m, scratch, phrases, text, true, hits);
  // A cut inside a multi-byte character leaves a fragment that both matchers
  // skip as invalid, so the cuts need no alignment.
  return ScanPiece(m, scratch, phrases, text.substr(0, kScanHeadBytes), true, hits) &&
         ScanPiece(m, scratch, phrases, text.substr(text.size() - kScanTailBytes), false, hits);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// True when the text ends with a question mark (ASCII, full-width U+FF1F,
// or Arabic U+061F), ignoring trailing quotes and brackets.
bool EndsWithQuestionMark(std::string_view s) {
  while (!s.empty() && (s.back() == '"' || s.back() == '\'' || s.back() == ')' || IsSpace(s.back()))) {
    s.remove_suffix(1);
  }
  return s.ends_with('?') || s.ends_with("\xEF\xBC\x9F") || s.ends_with("\xD8\x9F");
}

struct Tally {
  std::array<int, kCapabilityCount> score{};
  int rubric = 0;
  bool coercion = false;
  bool question_opening = false;
  uint32_t capability_hits = 0;
};

void AddHits(const HitSet& hits, int scale, bool from_prompt, Tally* tally) {
  for (size_t w = 0; w < kHitWords; ++w) {
    uint64_t bits = hits[w];
    while (bits != 0) {
      const size_t id = w * kBitsPerWord + static_cast<size_t>(std::countr_zero(bits));
      bits &= bits - 1;
      if (id >= kPatternCount) continue;  // a gate bit of classify/word_gates.h, no evidence
      const Pattern& p = kPatterns[id];
      switch (p.signal) {
        case Signal::kCoercion:
          tally->coercion = true;
          break;
        case Signal::kRubric:
          tally->rubric += p.weight;
          break;
        case Signal::kQuestionOpening:
          // Only the user's own text tells whether the user asked a question.
          if (from_prompt) tally->question_opening = true;
          break;
        default: {
          const auto c = static_cast<size_t>(p.signal);
          tally->score[c] += scale * p.weight;
          tally->capability_hits |= uint32_t{1} << c;
          break;
        }
      }
    }
  }
}

Capability Fallback(const PromptContext& context, bool question_opening) {
  const std::string_view prompt = Trim(context.prompt);
  if (prompt.empty()) return Capability::kOther;
  if (question_opening || EndsWithQuestionMark(prompt)) return Capability::kKnowledge;
  constexpr int kFirstTurn = 1;
  if (prompt.size() <= kShortChatMaxBytes || context.turn > kFirstTurn) return Capability::kConversation;
  return Capability::kOther;
}

}  // namespace

std::string_view CapabilityName(Capability c) {
  switch (c) {
    case Capability::kSoftwareEngineering:
      return "software_engineering";
    case Capability::kAgenticToolUse:
      return "agentic_tool_use";
    case Capability::kLongHorizon:
      return "long_horizon";
    case Capability::kReasoning:
      return "reasoning";
    case Capability::kKnowledge:
      return "knowledge";
    case Capability::kWriting:
      return "writing";
    case Capability::kConversation:
      return "conversation";
    case Capability::kOther:
      return "other";
  }
  return "other";
}

void PromptClassifier::ScratchDeleter::operator()(hs_scratch* scratch) const { hs_free_scratch(scratch); }

void PromptClassifier::CacheDeleter::operator()(SystemPromptCache* cache) const { delete cache; }

PromptClassifier::PromptClassifier(std::shared_ptr<const ResidualMatchers> residual,
                                   std::shared_ptr<const PhraseTable> phrases, ScratchPtr scratch)
    : residual_(std::move(residual)),
      phrases_(std::move(phrases)),
      scratch_(std::move(scratch)),
      system_cache_(new SystemPromptCache) {}

PromptClassifier::~PromptClassifier() = default;

size_t PromptClassifier::PatternCount() { return kPatternCount; }

namespace {

struct HsExpression {
  const std::string* text;
  unsigned int flags;
  unsigned int id;
};

// Where Build() gets each database: from the bundle when it holds one
// compiled from the same expressions, flags and ids by this Hyperscan version
// (the key is a 64-bit hash of all of them), else from the compiler. When
// `exported` is given every database is compiled and recorded there.
class DatabaseSource {
 public:
  DatabaseSource(const DatabaseBundle& bundle, std::vector<DatabaseBundle::Entry>* exported)
      : bundle_(bundle), exported_(exported) {}

  Result<ResidualMatchers::DatabasePtr> Get(const std::vector<HsExpression>& set) {
    const uint64_t key = KeyOf(set);
    if (exported_ == nullptr) {
      if (std::optional<std::string_view> bytes = bundle_.Find(key)) {
        hs_database_t* raw_db = nullptr;
        if (hs_deserialize_database(bytes->data(), bytes->size(), &raw_db) == HS_SUCCESS) {
          ++precompiled_;
          return ResidualMatchers::DatabasePtr(raw_db);
        }
      }
    }
    auto db = Compile(set);
    if (!db.ok() || exported_ == nullptr) return db;
    char* bytes = nullptr;
    size_t length = 0;
    if (hs_serialize_database(db->get(), &bytes, &length) != HS_SUCCESS) {
      return Status::Internal("classifier: cannot serialize a Hyperscan database");
    }
    exported_->push_back(DatabaseBundle::Entry{key, std::string(bytes, length)});
    std::free(bytes);  // Hyperscan's default misc allocator is malloc
    return db;
  }

  size_t precompiled() const { return precompiled_; }

 private:
  static uint64_t KeyOf(const std::vector<HsExpression>& set) {
    std::string description = "hyperscan ";
    description += hs_version();
    description += "\nblock\n";
    for (const HsExpression& e : set) {
      description += std::to_string(e.flags) + ' ' + std::to_string(e.id) + ' ';
      description += *e.text;
      description += '\0';
    }
    return Hash64(description);
  }

  static Result<ResidualMatchers::DatabasePtr> Compile(const std::vector<HsExpression>& set) {
    std::vector<const char*> expressions;
    std::vector<unsigned int> flags;
    std::vector<unsigned int> ids;
    for (const HsExpression& e : set) {
      expressions.push_back(e.text->c_str());
      flags.push_back(e.flags);
      ids.push_back(e.id);
    }
    hs_database_t* raw_db = nullptr;
    hs_compile_error_t* compile_error = nullptr;
    const hs_error_t rc = hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                                           static_cast<unsigned int>(expressions.size()), HS_MODE_BLOCK,
                                           /*platform=*/nullptr, &raw_db, &compile_error);
    if (rc != HS_SUCCESS) {
      std::string message = "classifier: Hyperscan compile failed";
      if (compile_error != nullptr) {
        message += ": ";
        message += compile_error->message;
        if (compile_error->expression >= 0 && static_cast<size_t>(compile_error->expression) < expressions.size()) {
          message += " in pattern ";
          message += expressions[static_cast<size_t>(compile_error->expression)];
        }
        hs_free_compile_error(compile_error);
      }
      return Status::Internal(std::move(message));
    }
    return ResidualMatchers::DatabasePtr(raw_db);
  }

  const DatabaseBundle& bundle_;
  std::vector<DatabaseBundle::Entry>* exported_;
  size_t precompiled_ = 0;
};

// hs_scan()'s callback for probes, which expect no match.
// NOLINTNEXTLINE(google-runtime-int)
int IgnoreMatch(unsigned int, unsigned long long, unsigned long long, unsigned int, void*) { return 0; }

}  // namespace

Result<std::unique_ptr<PromptClassifier>> PromptClassifier::Create(const ClassifierOptions& options) {
  DatabaseBundle bundle;
  if (!options.precompiled.empty()) {
    // A damaged bundle is not an error: every database is compiled instead.
    auto parsed = DatabaseBundle::Parse(options.precompiled);
    if (parsed.ok()) bundle = std::move(parsed).value();
  }
  auto built = Build(options, bundle, /*exported=*/nullptr);
  if (!built.ok() || (*built)->precompiled_database_count() == 0) return built;
  // A serialized database is tied to the CPU features it was compiled for;
  // Hyperscan says so when it runs (HS_DB_PLATFORM_ERROR). A binary moved to
  // an older CPU compiles instead.
  const PromptClassifier& c = **built;
  const auto probe = [&](const hs_database_t* db) {
    return db == nullptr || hs_scan(db, "", 0, 0, c.scratch_.get(), IgnoreMatch, nullptr) == HS_SUCCESS;
  };
  bool runs = probe(c.residual_->shared.get()) && probe(c.residual_->shape_fallback.get());
  for (const ResidualMatchers::Gated& g : c.residual_->gated) runs = runs && probe(g.database.get());
  for (const ResidualMatchers::WordGated& g : c.residual_->word_gated) runs = runs && probe(g.database.get());
  if (runs) return built;
  return Build(options, DatabaseBundle{}, /*exported=*/nullptr);
}

Result<std::string> PromptClassifier::ExportDatabases(const ClassifierOptions& options) {
  std::vector<DatabaseBundle::Entry> entries;
  auto built = Build(options, DatabaseBundle{}, &entries);
  if (!built.ok()) return built.status();
  return DatabaseBundle::Serialize(entries);
}

size_t PromptClassifier::database_count() const {
  return (residual_->shared != nullptr ? 1 : 0) + (residual_->shape_fallback != nullptr ? 1 : 0) +
         residual_->gated.size() + residual_->word_gated.size();
}

size_t PromptClassifier::precompiled_database_count() const { return residual_->precompiled; }

Result<std::unique_ptr<PromptClassifier>> PromptClassifier::Build(const ClassifierOptions& options,
                                                                  const DatabaseBundle& bundle,
                                                                  std::vector<DatabaseBundle::Entry>* exported) {
  // Word lists go to the phrase table, the rest of each rule to Hyperscan
  // (see pattern_split.h). Exact-case rules and rules anchored at the text
  // start keep Hyperscan: the tokenizer folds case and does not know where a
  // text piece starts.
  auto phrases = std::make_shared<PhraseTable>();
  std::vector<std::string> residuals;
  std::vector<unsigned int> residual_ids;
  for (size_t i = 0; i < kPatternCount; ++i) {
    const Pattern& p = kPatterns[i];
    if ((p.options & (kExactCase | kTextStartOnly)) != 0) {
      residuals.emplace_back(p.expression);
      residual_ids.push_back(static_cast<unsigned int>(i));
      continue;
    }
    PatternSplit split = SplitPattern(p.expression);
    for (const std::string& phrase : split.phrases) {
      if (!phrases->Add(phrase, static_cast<uint32_t>(i))) {
        return Status::Internal("classifier: phrase '" + phrase + "' of pattern " + p.expression +
                                " does not tokenize as a phrase");
      }
    }
    if (!split.residual.empty()) {
      residuals.push_back(std::move(split.residual));
      residual_ids.push_back(static_cast<unsigned int>(i));
    }
  }
  // Hyperscan flags of each residual, from the rule and its text as split.
  // UTF-8 mode only where the expression has non-ASCII characters: it makes
  // them single characters and folds their case (Cyrillic, accented Latin).
  // ASCII expressions stay byte expressions, which are faster to compile and
  // to run. HS_FLAG_UCP is not used: no pattern needs \w, \s or \d to cover
  // other scripts (non-ASCII words are spelled out), Hyperscan rejects \b
  // under UCP, and it roughly doubles compile time. Consequently \b is an
  // ASCII word boundary, which is why words that may start with an accented
  // letter are guarded with (^|[^a-z]) rather than \b.
  std::vector<unsigned int> residual_flags;
  for (size_t r = 0; r < residuals.size(); ++r) {
    unsigned int f = HS_FLAG_SINGLEMATCH;
    if ((kPatterns[residual_ids[r]].options & kExactCase) == 0) f |= HS_FLAG_CASELESS;
    const std::string_view expr(residuals[r]);
    if (std::any_of(expr.begin(), expr.end(),
                    [](char ch) { return static_cast<unsigned char>(ch) >= kFirstNonAscii; })) {
      f |= HS_FLAG_UTF8;
    }
    residual_flags.push_back(f);
  }

  // The word-gated expressions (classify/word_gates.h): gate_bit[r] is the
  // hit bit whose words open residual r, 0 for none (bit 0 is a pattern's).
  std::vector<unsigned> gate_bit(residuals.size(), 0);
  if (options.gate_residual) {
    const std::span<const WordGate> gates = WordGates();
    for (size_t g = 0; g < gates.size(); ++g) {
      const unsigned bit = static_cast<unsigned>(kPatternCount + g);
      if (bit >= kHitWords * kBitsPerWord) return Status::Internal("classifier: no spare hit bit for a word gate");
      size_t r = 0;
      while (r < residuals.size() && (residuals[r] != gates[g].expression || gate_bit[r] != 0)) ++r;
      // Its soundness argument assumes ASCII case folding only.
      if (r == residuals.size() || (residual_flags[r] & HS_FLAG_CASELESS) == 0 ||
          (residual_flags[r] & HS_FLAG_UTF8) != 0) {
        return Status::Internal("classifier: word-gated expression " + std::string(gates[g].expression) +
                                " is no caseless ASCII residual expression");
      }
      gate_bit[r] = bit;
      for (const std::string_view word : gates[g].words) {
        if (!word.empty() && !phrases->Add(word, bit)) {
          return Status::Internal("classifier: gate word '" + std::string(word) + "' is no phrase");
        }
      }
    }
  }
  phrases->Build();

  auto residual = std::make_shared<ResidualMatchers>();
  DatabaseSource source(bundle, exported);

  // Take the shape expressions out of the residuals (an expression keeps the
  // flags it had, also when it loses an alternative: HS_FLAG_UTF8 changes
  // what a negated class matches).
  std::vector<std::string> fallback_texts;
  std::vector<HsExpression> fallback;
  if (options.shape_rules) {
    const std::span<const ShapeExpression> shapes = ShapeExpressions();
    fallback_texts.reserve(shapes.size());  // HsExpression points into it
    for (size_t s = 0; s < shapes.size(); ++s) {
      const ShapeExpression& shape = shapes[s];
      bool found = false;
      for (size_t r = 0; r < residuals.size() && !found; ++r) {
        const unsigned int f = residual_flags[r];
        if (((f & HS_FLAG_CASELESS) != 0) != shape.caseless || ((f & HS_FLAG_UTF8) != 0) != shape.utf8) continue;
        if (!RemoveAlternative(&residuals[r], shape.expression)) continue;
        found = true;
        residual->shapes |= ShapeMask{1} << s;
        residual->shape_pattern[s] = residual_ids[r];
        if (shape.utf8) {
          fallback_texts.emplace_back(shape.expression);
          fallback.push_back({&fallback_texts.back(), f, residual_ids[r]});
        }
      }
      if (!found) {
        return Status::Internal("classifier: shape expression " + std::string(shape.expression) +
                                " is no residual expression (or alternative of one) with its flags");
      }
    }
  }
  if (!fallback.empty()) {
    auto db = source.Get(fallback);
    if (!db.ok()) return db.status();
    residual->shape_fallback = std::move(db).value();
  }

  std::vector<HsExpression> shared;
  size_t gate_bytes = 0;  // distinct bytes with a gate bit so far
  for (size_t r = 0; r < residuals.size(); ++r) {
    if (residuals[r].empty()) continue;  // all of it went to the shape rules
    const unsigned int f = residual_flags[r];
    const bool caseless = (f & HS_FLAG_CASELESS) != 0;
    const bool non_ascii = (f & HS_FLAG_UTF8) != 0;
    const std::string_view expr(residuals[r]);
    const HsExpression e{&residuals[r], f, residual_ids[r]};
    if (gate_bit[r] != 0) {
      auto db = source.Get({e});
      if (!db.ok()) return db.status();
      residual->word_gated.push_back({std::move(db).value(), e.id, gate_bit[r]});
      continue;
    }

    // Gated: its best clause has a one-character string (nothing longer for
    // Hyperscan to anchor on) and it has clauses of single ASCII bytes,
    // whose bytes (both cases if caseless) get gate bits.
    std::vector<std::vector<std::string>> clauses;
    ResidualMatchers::Gated gated;
    if (options.gate_residual && RequiredLiterals(expr, &clauses) &&
        std::any_of(clauses.front().begin(), clauses.front().end(),
                    [](const std::string& l) { return Utf8SequenceLength(l) == l.size(); })) {
      std::array<uint64_t, 256> bits = residual->byte_bits;
      size_t used = gate_bytes;
      for (const std::vector<std::string>& clause : clauses) {
        // Letters only outside caseless UTF-8 mode, where Unicode case
        // folding lets "k" match the Kelvin sign and "s" the long s.
        const bool letters_fold = caseless && non_ascii;
        const bool single_bytes = std::all_of(clause.begin(), clause.end(), [&](const std::string& l) {
          const auto b = static_cast<unsigned char>(l[0]);
          const bool letter = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
          return l.size() == 1 && b < kFirstNonAscii && !(letter && letters_fold);
        });
        if (!single_bytes) continue;
        uint64_t mask = 0;
        bool complete = true;  // every byte of the clause has a bit
        for (const std::string& l : clause) {
          std::string cases(1, l[0]);
          const char c = l[0];
          if (caseless && c >= 'a' && c <= 'z') cases += static_cast<char>(c - 'a' + 'A');
          if (caseless && c >= 'A' && c <= 'Z') cases += static_cast<char>(c - 'A' + 'a');
          for (const char v : cases) {
            uint64_t& bit = bits[static_cast<unsigned char>(v)];
            if (bit == 0 && used < kBitsPerWord) bit = uint64_t{1} << used++;
            complete = complete && bit != 0;
            mask |= bit;
          }
        }
        if (complete) gated.clause_bits[gated.clause_count++] = mask;
      }
      if (gated.clause_count > 0) {
        auto db = source.Get({e});
        if (!db.ok()) return db.status();
        gated.database = std::move(db).value();
        gated.pattern = e.id;
        residual->byte_bits = bits;
        gate_bytes = used;
        residual->gated.push_back(std::move(gated));
        continue;
      }
    }
    shared.push_back(e);
  }
  if (!shared.empty()) {
    auto db = source.Get(shared);
    if (!db.ok()) return db.status();
    residual->shared = std::move(db).value();
  }

  hs_scratch_t* raw_scratch = nullptr;
  auto allocate = [&](const hs_database_t* db) {
    return db == nullptr || hs_alloc_scratch(db, &raw_scratch) == HS_SUCCESS;
  };
  bool allocated = allocate(residual->shared.get()) && allocate(residual->shape_fallback.get());
  for (const ResidualMatchers::Gated& g : residual->gated) allocated = allocated && allocate(g.database.get());
  for (const ResidualMatchers::WordGated& g : residual->word_gated) {
    allocated = allocated && allocate(g.database.get());
  }
  ScratchPtr scratch(raw_scratch);
  residual->precompiled = source.precompiled();
  if (!allocated || scratch == nullptr) {
    return Status::Internal("classifier: cannot allocate Hyperscan scratch space");
  }
  return std::unique_ptr<PromptClassifier>(
      new PromptClassifier(std::move(residual), std::move(phrases), std::move(scratch)));
}

Result<std::unique_ptr<PromptClassifier>> PromptClassifier::Clone() const {
  hs_scratch_t* raw_scratch = nullptr;
  if (hs_clone_scratch(scratch_.get(), &raw_scratch) != HS_SUCCESS) {
    return Status::Internal("classifier: cannot clone Hyperscan scratch space");
  }
  return std::unique_ptr<PromptClassifier>(new PromptClassifier(residual_, phrases_, ScratchPtr(raw_scratch)));
}

PromptClass PromptClassifier::Classify(const PromptContext& context) {
  HitSet prompt_hits{};
  HitSet system_hits{};
  if (!ScanText(*residual_, scratch_.get(), *phrases_, context.prompt, &prompt_hits)) {
    return PromptClass{};  // documented fallback: "other", no flags
  }
  const std::string_view system = context.system;
  if (const HitSet* cached = system.empty() ? nullptr : system_cache_->Find(system); cached != nullptr) {
    system_hits = *cached;
  } else {
    if (!ScanText(*residual_, scratch_.get(), *phrases_, system, &system_hits)) return PromptClass{};
    if (!system.empty()) system_cache_->Put(system, system_hits);
  }

  Tally tally;
  AddHits(prompt_hits, kPromptScale, /*from_prompt=*/true, &tally);
  AddHits(system_hits, kSystemScale, /*from_prompt=*/false, &tally);
  if (context.tools_offered > 0) {
    tally.score[static_cast<size_t>(Capability::kAgenticToolUse)] += kPromptScale * kToolsOfferedWeight;
  }

  PromptClass result;
  result.reasoning_coercion = tally.coercion;
  result.rubric_grading = tally.rubric >= kRubricThreshold;
  result.capability_hits = tally.capability_hits;

  int best_score = 0;
  for (Capability c : kTieBreakOrder) {
    const int s = tally.score[static_cast<size_t>(c)];
    if (s > best_score) {
      best_score = s;
      result.capability = c;
    }
  }
  if (best_score == 0) result.capability = Fallback(context, tally.question_opening);
  return result;
}

}  // namespace dg
