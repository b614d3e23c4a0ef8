package synth

// The printed figures the insatser microdata must reproduce, transcribed from
// Socialtjänstrapporten 2024 chapter 9 (internal/reports/printed/9-*.json), with the
// choices made for cells the report suppressed. District order is
// dataset.Districts(): Järva, Hässelby-Vällingby, Bromma, Kungsholmen,
// Norra innerstaden, Södermalm, Enskede-Årsta-Vantör, Skarpnäck, Farsta,
// Hägersten-Älvsjö, Skärholmen.

var years = []int{2022, 2023, 2024}

// km is a pair of counts: kvinnor, män.
type km struct{ K, M int }

func (p km) total() int { return p.K + p.M }

// lssByKon is table 9:3: verkställda beslut enligt LSS per insats and kön.
var lssByKon = map[string]map[int]km{
	"personlig_assistans": {2022: {122, 140}, 2023: {121, 137}, 2024: {127, 132}},
	"ledsagarservice":     {2022: {287, 409}, 2023: {302, 402}, 2024: {325, 403}},
	"kontaktperson":       {2022: {193, 236}, 2023: {221, 242}, 2024: {230, 249}},
	"avlosarservice":      {2022: {124, 337}, 2023: {131, 356}, 2024: {112, 323}},
	"korttidsvistelse":    {2022: {238, 375}, 2023: {246, 397}, 2024: {239, 397}},
	"korttidstillsyn":     {2022: {139, 303}, 2023: {162, 331}, 2024: {170, 367}},
	"bostad_barn":         {2022: {27, 54}, 2023: {23, 55}, 2024: {17, 44}},
	"bostad_vuxna":        {2022: {701, 1016}, 2023: {719, 1035}, 2024: {750, 1065}},
	"daglig_verksamhet":   {2022: {1263, 1747}, 2023: {1318, 1826}, 2024: {1413, 1904}},
}

// solByKon is table 9:10: verkställda beslut enligt SoL per insats and kön.
// Dagverksamhet and korttidsvistelse barn/unga print "*" for both sexes; the
// column totals force the values below, and in each year at least one of the
// starred cells is 4 or more (listed in DEVIATIONS.md): the report used "*"
// for a complementary suppression there.
var solByKon = map[string]map[int]km{
	"sol_avlosning":             {2022: {11, 11}, 2023: {9, 7}, 2024: {7, 14}},
	"sol_boendestod":            {2022: {747, 706}, 2023: {769, 755}, 2024: {814, 776}},
	"sol_bostad":                {2022: {33, 42}, 2023: {35, 29}, 2024: {31, 30}},
	"sol_dagverksamhet":         {2022: {9, 9}, 2023: {2, 11}, 2024: {1, 13}},
	"sol_hemtjanst":             {2022: {733, 565}, 2023: {710, 534}, 2024: {717, 577}},
	"sol_kontaktperson":         {2022: {40, 17}, 2023: {35, 16}, 2024: {45, 18}},
	"sol_korttidsvistelse_barn": {2022: {2, 3}, 2023: {7, 3}, 2024: {7, 3}},
	"sol_korttidsboende_vuxna":  {2022: {14, 14}, 2023: {18, 17}, 2024: {6, 22}},
	"sol_ledsagning":            {2022: {206, 147}, 2023: {182, 146}, 2024: {191, 150}},
	"sol_trygghetslarm":         {2022: {454, 369}, 2023: {459, 375}, 2024: {481, 381}},
}

// pct is a printed share pair and a total, as in tables 9:1 and 9:2; a
// negative percent is a "." (not computable).
type pct struct {
	K, M float64
	N    int
}

// persons91 is table 9:1 (city): persons by lagrumsgrupp, and SFB.
var persons91 = map[string]map[int]pct{
	"endast_lss": {2022: {38, 62, 4688}, 2023: {39, 61, 4874}, 2024: {39, 61, 4984}},
	"endast_sol": {2022: {54, 46, 2615}, 2023: {55, 45, 2514}, 2024: {54, 46, 2557}},
	"bade":       {2022: {53, 47, 692}, 2023: {48, 52, 744}, 2024: {49, 51, 819}},
	"sfb":        {2022: {44, 56, 1052}, 2023: {43, 57, 1053}, 2024: {42, 58, 1050}},
}

// persons92 is table 9:2: persons 2024 by nämnd (districts, then
// Socialnämnden) and lagrumsgrupp LSS, SoL, Både.
var persons92 = [12][3]pct{
	{{37, 63, 682}, {53, 47, 300}, {54, 46, 74}},
	{{36, 64, 497}, {53, 47, 210}, {50, 50, 118}},
	{{38, 62, 307}, {59, 41, 160}, {57, 43, 75}},
	{{37, 63, 209}, {62, 38, 133}, {57, 43, 23}},
	{{39, 61, 409}, {51, 49, 176}, {53, 47, 78}},
	{{42, 58, 530}, {54, 46, 336}, {39, 61, 46}},
	{{41, 59, 584}, {49, 51, 263}, {47, 53, 111}},
	{{37, 63, 291}, {53, 47, 187}, {55, 45, 60}},
	{{38, 62, 435}, {59, 41, 317}, {50, 50, 80}},
	{{42, 58, 668}, {54, 46, 301}, {44, 56, 98}},
	{{36, 64, 336}, {59, 41, 148}, {38, 63, 56}},
	{{31, 69, 36}, {19, 81, 26}, {-1, -1, 0}},
}

// meanCell is a printed mean of hours: a number, "*" (1–3 persons) or "."
// (no persons); star and dot are marks, else Value applies.
type meanCell struct {
	Value     float64
	Star, Dot bool
}

var (
	star = meanCell{Star: true}
	dot  = meanCell{Dot: true}
)

func mv(v float64) meanCell { return meanCell{Value: v} }

// paRow is one district's row of table 9:4 or 9:5 for one year: mean hours
// of women and men, and persons. N < 0 means the count is printed "*"; the
// chosen count is then in Chosen.
type paRow struct {
	K, M   meanCell
	N      int
	Chosen km // the sexes' counts, chosen where marks leave them open; zero = derive
}

// pa94 is table 9:4 (adults) and pa95 table 9:5 (children 0–17), by year,
// districts in order; the last entry is "Totalt i staden" (means and persons).
var pa94 = map[int][12]paRow{
	2022: {
		{mv(82), mv(131), 43, km{}}, {mv(103), mv(133), 13, km{}}, {mv(240), mv(103), 10, km{}},
		{mv(273), star, 7, km{4, 3}}, {mv(214), mv(220), 13, km{}}, {mv(264), star, 15, km{12, 3}},
		{mv(140), mv(138), 26, km{}}, {mv(197), mv(127), 10, km{}}, {mv(80), mv(59), 8, km{4, 4}},
		{mv(134), mv(177), 15, km{}}, {mv(126), mv(127), 14, km{}}, {mv(162), mv(143), 174, km{}},
	},
	2023: {
		{mv(198), mv(184), 43, km{}}, {star, mv(139), 11, km{3, 8}}, {mv(199), star, 7, km{4, 3}},
		{mv(258), star, 6, km{4, 2}}, {mv(186), mv(212), 13, km{}}, {mv(312), star, 15, km{12, 3}},
		{mv(274), mv(223), 26, km{}}, {mv(198), mv(137), 11, km{}}, {mv(157), mv(84), 10, km{5, 5}},
		{mv(129), mv(240), 17, km{}}, {mv(139), mv(262), 18, km{}}, {mv(211), mv(195), 177, km{}},
	},
	2024: {
		{mv(180), mv(150), 49, km{}}, {star, mv(143), 10, km{3, 7}}, {mv(183), star, 8, km{5, 3}},
		{star, star, 6, km{3, 3}}, {mv(196), mv(229), 15, km{}}, {mv(281), mv(244), 20, km{}},
		{mv(193), mv(218), 24, km{}}, {star, mv(139), 8, km{3, 5}}, {mv(176), star, 6, km{4, 2}},
		{mv(138), mv(260), 18, km{}}, {mv(228), mv(233), 24, km{}}, {mv(205), mv(201), 188, km{}},
	},
}

var pa95 = map[int][12]paRow{
	2022: {
		{mv(97), mv(81), 12, km{}}, {star, star, -1, km{1, 1}}, {mv(145), mv(45), 6, km{}},
		{star, star, -1, km{2, 1}}, {mv(160), mv(129), 8, km{4, 4}}, {mv(238), mv(115), 7, km{}},
		{mv(101), mv(122), 15, km{}}, {dot, dot, 0, km{}}, {mv(172), mv(186), 10, km{}},
		{mv(71), mv(227), 11, km{}}, {mv(101), mv(108), 14, km{}}, {mv(127), mv(129), 88, km{}},
	},
	2023: {
		{mv(89), mv(98), 11, km{}}, {mv(33), mv(76), 4, km{2, 2}}, {mv(185), mv(87), 6, km{}},
		{star, star, -1, km{1, 1}}, {mv(255), mv(186), 9, km{}}, {mv(167), mv(165), 5, km{}},
		{mv(127), mv(136), 10, km{}}, {star, star, 1, km{1, 0}}, {mv(172), mv(154), 7, km{}},
		{mv(161), mv(227), 11, km{}}, {mv(287), mv(239), 15, km{}}, {mv(174), mv(167), 81, km{}},
	},
	2024: {
		{mv(118), mv(84), 16, km{}}, {star, star, 5, km{2, 3}}, {star, star, 5, km{3, 2}},
		{star, star, -1, km{1, 1}}, {star, mv(171), 8, km{3, 5}}, {star, star, -1, km{1, 1}},
		{star, mv(76), 6, km{2, 4}}, {star, star, -1, km{1, 1}}, {star, mv(161), 7, km{3, 4}},
		{star, mv(164), 9, km{3, 6}}, {mv(102), mv(377), 9, km{}}, {mv(156), mv(157), 71, km{}},
	},
}

// ledsagning914 and avlosning915 are tables 9:14 and 9:15 (2024): for LSS and
// SoL, mean hours of women and men and persons per district, then the city.
type hoursRow struct {
	K, M   meanCell
	N      int
	Chosen km
}

var ledsagning914 = map[string][12]hoursRow{
	"ledsagarservice": {
		{mv(11), mv(11), 116, km{}}, {mv(10), mv(11), 65, km{}}, {mv(16), mv(10), 21, km{}},
		{mv(8), mv(11), 18, km{}}, {mv(16), mv(18), 47, km{}}, {mv(13), mv(12), 73, km{}},
		{mv(12), mv(11), 88, km{}}, {mv(12), mv(12), 58, km{}}, {mv(12), mv(13), 67, km{}},
		{mv(12), mv(12), 109, km{}}, {mv(11), mv(11), 66, km{}}, {mv(12), mv(12), 728, km{}},
	},
	"sol_ledsagning": {
		{mv(9), mv(8), 39, km{}}, {mv(10), mv(10), 22, km{}}, {star, star, 5, km{2, 3}},
		{mv(16), mv(15), 16, km{}}, {mv(21), mv(17), 9, km{5, 4}}, {mv(10), mv(11), 79, km{}},
		{mv(11), mv(12), 48, km{}}, {mv(12), mv(13), 20, km{}}, {mv(14), mv(13), 64, km{}},
		{mv(11), mv(14), 18, km{}}, {mv(10), mv(11), 21, km{}}, {mv(12), mv(12), 341, km{}},
	},
}

// In 9:15 Bromma and Kungsholmen print "*" for both sexes' means although
// their persons (14 and 11) cannot all be in groups under 4: one sex's mean
// was hidden as a complement (listed in DEVIATIONS.md). SoL avlösning prints
// "*" for most districts' persons; the starred districts add up to 11.
var avlosning915 = map[string][12]hoursRow{
	"avlosarservice": {
		{mv(10), mv(10), 58, km{}}, {mv(11), mv(12), 38, km{}}, {star, star, 14, km{3, 11}},
		{star, star, 11, km{3, 8}}, {mv(10), mv(14), 36, km{}}, {mv(11), mv(14), 46, km{}},
		{mv(10), mv(11), 50, km{}}, {mv(10), mv(10), 18, km{}}, {mv(14), mv(12), 43, km{}},
		{mv(14), mv(11), 81, km{}}, {mv(10), mv(12), 40, km{}}, {mv(11), mv(12), 435, km{}},
	},
	"sol_avlosning": {
		{star, star, -1, km{1, 1}}, {star, star, -1, km{0, 1}}, {star, star, -1, km{0, 1}},
		{star, star, -1, km{1, 0}}, {star, star, -1, km{1, 1}}, {star, star, -1, km{0, 1}},
		{star, star, -1, km{1, 1}}, {dot, dot, 0, km{}}, {star, star, 4, km{1, 3}},
		{star, mv(9), 6, km{2, 4}}, {star, star, -1, km{0, 1}}, {mv(26), mv(11), 21, km{}},
	},
}

// boendestod912 is table 9:12: mean boendestöd hours per month, women, men
// and both, per district and for the city.
var boendestod912 = map[int][12][3]float64{
	2023: {{7, 7, 7}, {7, 7, 7}, {9, 8, 9}, {10, 10, 10}, {10, 9, 10}, {9, 8, 8}, {10, 10, 10}, {10, 10, 10}, {12, 11, 12}, {10, 10, 10}, {11, 10, 10}, {9, 9, 9}},
	2024: {{7, 7, 7}, {7, 7, 7}, {8, 7, 8}, {9, 8, 8}, {10, 9, 10}, {8, 7, 7}, {10, 10, 10}, {11, 10, 10}, {10, 10, 10}, {9, 9, 9}, {11, 10, 10}, {9, 9, 9}},
}

// rates99 is table 9:9 (LSS per 10 000 inhabitants, 2024) and rates913
// table 9:13 (SoL); -1 is "*". Columns are named by insats; "bostad" in 9:9
// is bostad_vuxna and bostad_barn together.
var rates99 = map[string][12]float64{
	"personlig_assistans": {7, 2, 2, 1, 1, 2, 3, 2, 2, 2, 9, 3},
	"daglig_verksamhet":   {44, 48, 31, 23, 18, 25, 38, 44, 47, 31, 56, 33},
	"avlosarservice":      {6, 5, 2, 2, 2, 4, 5, 4, 7, 6, 11, 4},
	"bostad":              {22, 20, 16, 14, 13, 17, 19, 24, 24, 19, 31, 19},
	"kontaktperson":       {3, 9, 4, 2, 3, 4, 8, 7, 6, 4, 9, 5},
	"ledsagarservice":     {12, 9, 3, 3, 3, 6, 8, 12, 11, 8, 18, 7},
}

var rates913 = map[string][12]float64{
	"sol_boendestod":    {16, 22, 15, 8, 8, 11, 17, 31, 34, 17, 22, 16},
	"sol_hemtjanst":     {20, 14, 9, 10, 6, 13, 13, 18, 20, 12, 21, 13},
	"sol_trygghetslarm": {12, 11, 5, 5, 4, 8, 11, 12, 13, 7, 17, 9},
	"sol_ledsagning":    {4, 3, 1, 2, 1, 6, 5, 4, 10, 1, 6, 3},
	"sol_bostad":        {0, 1, -1, 1, 0, 1, -1, -1, 1, 1, 1, 1},
}

// ageGroups are the printed age groups of tables 9:8 and 9:11 as bands.
var ageGroups = [][]string{
	{"15-17", "18-19"}, {"20-23", "24"}, {"25-34"}, {"35-44"}, {"45-54"}, {"55-64"},
}

// daglig98 is table 9:8 (2024): persons with daglig verksamhet per age group
// (15–64). The 103 decisions of persons 65 and over are not in the table.
var daglig98 = []km{{17, 25}, {218, 300}, {450, 629}, {308, 438}, {217, 239}, {155, 218}}

// boendestod911 is table 9:11: persons with boendestöd per age group. In 2023
// the two youngest groups print "*" for both sexes with totals 9 and 121;
// the chosen values keep every printed total (the cells of 4 and more are
// listed in DEVIATIONS.md).
var boendestod911 = map[int][]km{
	2023: {{3, 6}, {63, 58}, {184, 186}, {205, 189}, {164, 151}, {148, 160}},
	2024: {{7, 10}, {76, 59}, {188, 189}, {206, 194}, {181, 153}, {154, 168}},
}

// bostad97 is table 9:7 (2024): persons 69 and over with bostad med särskild
// service, per nämnd (districts, then Socialnämnden). Where both sexes print
// "*", a row total over 6 forces one of them to 4 or more (DEVIATIONS.md).
var bostad97 = [12]km{
	{12, 10}, {6, 9}, {3, 3}, {3, 6}, {3, 8}, {7, 14}, {3, 8}, {6, 10}, {4, 3}, {12, 14}, {3, 3}, {6, 7},
}

// boendeform96 is table 9:6 (2024): bostad för vuxna by type of housing; the
// women's counts are chosen within the printed shares (41 %, 43 %, 29 %).
var boendeform96 = []struct {
	code string
	n    km
}{
	{"gruppbostad", km{503, 733}}, {"servicebostad", km{243, 322}}, {"uppgift_saknas", km{4, 10}},
}

// regiCount is a number of decisions in one regi.
type regiCount struct {
	regi string
	n    km
}

// regi922 is table 9:22 (adults, 2024) and regi923 table 9:23 (children and
// young people up to 23). Uppgift saknas prints no sex: the split chosen here
// makes the sexes add up to tables 9:3 and 9:10.
var regi922 = map[string][]regiCount{
	"ledsagning":       {{"egen_regi", km{84, 78}}, {"privat_regi_lov", km{309, 296}}, {"individuella_avtal", km{2, 2}}, {"uppgift_saknas", km{12, 11}}},
	"avlosning":        {{"egen_regi", km{3, 3}}, {"privat_regi_lov", km{6, 12}}, {"uppgift_saknas", km{0, 1}}},
	"korttidsvistelse": {{"egen_regi", km{25, 38}}, {"entreprenad", km{6, 10}}, {"privat_regi_lov", km{27, 27}}, {"individuella_avtal", km{1, 0}}, {"uppgift_saknas", km{3, 5}}},
	"bostad_vuxna":     {{"egen_regi", km{424, 540}}, {"entreprenad", km{146, 174}}, {"privat_regi_lov", km{15, 15}}, {"individuella_avtal", km{162, 330}}, {"uppgift_saknas", km{3, 6}}},
	"daglig":           {{"egen_regi", km{388, 452}}, {"entreprenad", km{76, 77}}, {"privat_regi_lov", km{871, 1191}}, {"individuella_avtal", km{66, 173}}, {"uppgift_saknas", km{12, 11}}},
}

var regi923 = map[string][]regiCount{
	"avlosning":        {{"egen_regi", km{26, 73}}, {"privat_regi_lov", km{82, 240}}, {"uppgift_saknas", km{2, 8}}},
	"korttidsvistelse": {{"egen_regi", km{29, 29}}, {"privat_regi_lov", km{134, 267}}, {"individuella_avtal", km{5, 11}}, {"uppgift_saknas", km{9, 10}}},
	"korttidstillsyn":  {{"egen_regi", km{98, 180}}, {"privat_regi_lov", km{39, 111}}, {"individuella_avtal", km{31, 73}}, {"uppgift_saknas", km{2, 3}}},
	"bostad_barn":      {{"privat_regi_lov", km{3, 8}}, {"individuella_avtal", km{14, 36}}},
}
