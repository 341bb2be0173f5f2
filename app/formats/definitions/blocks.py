"""Building blocks shared by every file kind and version.

Lengths and cardinalities follow the federal format; where it is silent they come from the
TFOMS XSDs (Zabaykalsky 3.1/3.2, Kursk 3.2K) and the element lists of the official
Q015 table (which file kinds carry which element). Reference books are named in the
titles; their codes are checked by the ФЛК rules, not here.
"""

from __future__ import annotations

from .dsl import D, E, N, T, span

FILE_NAME_CHARS = r"[0-9A-Za-z_]+"
MONEY = N(15, 2)
COEF = N(7, 5)

# -- headers ----------------------------------------------------------------------------
VERSION = E("VERSION", "1", T(5), title="Версия формата")
DATA = E("DATA", "1", D, title="Дата файла")
FILENAME = E("FILENAME", "1", T(26), pattern=FILE_NAME_CHARS, title="Имя файла без расширения")
FILENAME1 = E("FILENAME1", "1", T(26), pattern=FILE_NAME_CHARS, title="Имя основного файла (H, C, T, D*) пары")
SD_Z = E("SD_Z", "1", N(9), title="Количество записей ZAP")

ZGLV_CASES = E("ZGLV", "1", [VERSION, DATA, FILENAME, SD_Z], title="Заголовок файла")
ZGLV_PERS = E("ZGLV", "1", [VERSION, DATA, FILENAME, FILENAME1], title="Заголовок файла")

SCHET = E(
    "SCHET",
    "1",
    [
        E("CODE", "1", N(8), title="Код записи счёта"),
        E("CODE_MO", "1", T(6), title="Реестровый номер МО (F003/F032)"),
        E("YEAR", "1", N(4), title="Отчётный год"),
        E("MONTH", "1", N(2), values=span(1, 12), title="Отчётный месяц"),
        E("NSCHET", "1", T(15), title="Номер счёта"),
        E("DSCHET", "1", D, title="Дата выставления счёта"),
        E("PLAT", "0..1", T(5), title="Плательщик: реестровый номер СМО (F002)"),
        E("SUMMAV", "1", MONEY, title="Сумма, выставленная к оплате"),
        E("COMENTS", "0..1", T(250), title="Служебное поле"),
        E("SUMMAP", "0..1", MONEY, title="Сумма, принятая к оплате"),
        E("SANK_MEK", "0..1", MONEY, title="Финансовые санкции МЭК"),
        E("SANK_MEE", "0..1", MONEY, title="Финансовые санкции МЭЭ"),
        E("SANK_EKMP", "0..1", MONEY, title="Финансовые санкции ЭКМП"),
    ],
    title="Счёт",
)
DISP = E("DISP", "0..1", T(3), title="Тип диспансеризации (V016)")

# -- ZAP / PACIENT ----------------------------------------------------------------------
N_ZAP = E("N_ZAP", "1", N(8), title="Номер позиции записи")
PR_NOV = E("PR_NOV", "1", N(1), values="0 1", title="Признак исправленной записи")

ID_PAC = E("ID_PAC", "1", T(36), title="Код записи о пациенте")
VPOLIS = E("VPOLIS", "1", N(1), title="Тип документа, подтверждающего факт страхования (F008)")
SPOLIS = E("SPOLIS", "0..1", T(10), title="Серия полиса")
NPOLIS = E("NPOLIS", "1", T(20), title="Номер полиса")
NPOLIS_OPT = E("NPOLIS", "0..1", T(20), title="Номер полиса")
ENP = E("ENP", "0..1", T(16), title="Единый номер полиса ОМС")
ST_OKATO = E("ST_OKATO", "0..1", T(5), title="Регион страхования")
SMO = E("SMO", "0..1", T(5), title="Реестровый номер СМО (F002)")
SMO_OGRN = E("SMO_OGRN", "0..1", T(15), title="ОГРН СМО")
SMO_OK = E("SMO_OK", "0..1", T(5), title="ОКАТО территории страхования")
SMO_NAM = E("SMO_NAM", "0..1", T(100), title="Наименование СМО")
INV = E("INV", "0..1", N(1), values=span(0, 4), title="Группа инвалидности")
MSE = E("MSE", "0..1", N(1), values="1", title="Направление на МСЭ")
NOVOR = E("NOVOR", "1", T(9), title="Признак новорождённого")
VNOV_D = E("VNOV_D", "0..1", N(4), title="Вес при рождении")


def pacient(*fields) -> "E":
    """``PACIENT`` with the given fields (each kind has its own subset)."""
    return E("PACIENT", "1", list(fields), title="Сведения о пациенте")


# -- Z_SL -------------------------------------------------------------------------------
IDCASE = E("IDCASE", "1", N(11), title="Номер записи в реестре случаев")
USL_OK = E("USL_OK", "1", N(2), title="Условия оказания МП (V006)")
VIDPOM = E("VIDPOM", "1", N(4), title="Вид МП (V008)")
FOR_POM = E("FOR_POM", "1", N(1), title="Форма оказания МП (V014)")
NPR_MO = E("NPR_MO", "0..1", T(6), title="Код МО, направившей на лечение")
NPR_DATE = E("NPR_DATE", "0..1", D, title="Дата направления")
LPU = E("LPU", "1", T(6), title="Код МО")
VBR = E("VBR", "0..1", N(1), values="0 1", title="Признак мобильной медицинской бригады")
DATE_Z_1 = E("DATE_Z_1", "1", D, title="Дата начала лечения")
DATE_Z_2 = E("DATE_Z_2", "1", D, title="Дата окончания лечения")
P_OTK = E("P_OTK", "0..1", N(1), values="0 1", title="Признак отказа")
KD_Z = E("KD_Z", "0..1", N(3), title="Продолжительность госпитализации (койко-дни)")
VNOV_M = E("VNOV_M", "0..n", N(4), title="Вес новорождённого")
RSLT = E("RSLT", "1", N(3), title="Результат обращения (V009)")
RSLT_D = E("RSLT_D", "0..1", N(3), title="Результат диспансеризации (V017)")
ISHOD = E("ISHOD", "1", N(3), title="Исход заболевания (V012)")
OS_SLUCH = E("OS_SLUCH", "0..n", N(1), values="1 2", title="Признак «Особый случай»")
VB_P = E("VB_P", "0..1", N(1), values="1", title="Признак внутрибольничного перевода")
IDSP = E("IDSP", "1", N(2), title="Способ оплаты (V010)")
SUMV = E("SUMV", "1", MONEY, title="Сумма, выставленная к оплате")
OPLATA = E("OPLATA", "0..1", N(1), values=span(0, 3), title="Тип оплаты")
SUMP = E("SUMP", "0..1", MONEY, title="Сумма, принятая к оплате")
SANK_IT = E("SANK_IT", "0..1", MONEY, title="Сумма санкций по законченному случаю")

SANK = E(
    "SANK",
    "0..n",
    [
        E("S_CODE", "1", T(36), title="Идентификатор санкции"),
        E("S_SUM", "1", MONEY, title="Сумма финансовой санкции"),
        E("S_TIP", "1", N(2), title="Код вида контроля (F006)"),
        E("SL_ID", "0..n", T(36), title="Идентификатор случая"),
        E("S_OSN", "0..1", N(3), title="Код причины отказа (F014)"),
        E("DATE_ACT", "1", D, title="Дата акта"),
        E("NUM_ACT", "1", T(30), title="Номер акта"),
        E("CODE_EXP", "0..n", T(8), title="Код эксперта"),
        E("S_COM", "0..1", T(250), title="Комментарий"),
        E("S_IST", "1", N(1), title="Источник"),
    ],
    title="Сведения о санкциях",
)

# -- SL ---------------------------------------------------------------------------------
SL_ID = E("SL_ID", "1", T(36), title="Идентификатор случая")
VID_HMP = E("VID_HMP", "1", T(12), title="Вид высокотехнологичной МП (V018)")
METOD_HMP = E("METOD_HMP", "1", N(4), title="Метод высокотехнологичной МП (V019)")
LPU_1 = E("LPU_1", "0..1", T(8), title="Подразделение МО")
PODR = E("PODR", "0..1", N(12), title="Код отделения")
PROFIL = E("PROFIL", "1", N(3), title="Профиль медицинской помощи (V002)")
PROFIL_K = E("PROFIL_K", "0..1", N(3), title="Профиль койки (V020)")
DET = E("DET", "1", N(1), values="0 1", title="Признак детского профиля")
P_CEL = E("P_CEL", "0..1", T(3), title="Цель посещения (V025)")
TAL_D = E("TAL_D", "1", D, title="Дата выдачи талона на ВМП")
TAL_NUM = E("TAL_NUM", "1", T(20), title="Номер талона на ВМП")
TAL_P = E("TAL_P", "1", D, title="Дата планируемой госпитализации")
NHISTORY = E("NHISTORY", "1", T(50), title="Номер истории болезни / талона")
P_PER = E("P_PER", "0..1", N(1), values=span(1, 4), title="Признак поступления/перевода")
DATE_1 = E("DATE_1", "1", D, title="Дата начала случая")
DATE_2 = E("DATE_2", "1", D, title="Дата окончания случая")
KD = E("KD", "0..1", N(3), title="Продолжительность госпитализации")
WEI = E("WEI", "0..1", N(4, 1), title="Масса тела (кг)")
DS0 = E("DS0", "0..1", T(10), title="Диагноз первичный (МКБ-10)")
DS1 = E("DS1", "1", T(10), title="Диагноз основной (МКБ-10)")
DS2 = E("DS2", "0..n", T(10), title="Диагноз сопутствующего заболевания")
DS3 = E("DS3", "0..n", T(10), title="Диагноз осложнения заболевания")
C_ZAB = E("C_ZAB", "0..1", N(1), title="Характер основного заболевания (V027)")
DS_ONK = E("DS_ONK", "1", N(1), values="0 1", title="Признак подозрения на ЗНО")
DN = E("DN", "0..1", N(1), values="1 2 4 6", title="Диспансерное наблюдение")
CODE_MES1 = E("CODE_MES1", "0..n", T(20), title="Код МЭС")
CODE_MES2 = E("CODE_MES2", "0..1", T(20), title="Код МЭС сопутствующего заболевания")
REAB = E("REAB", "0..1", N(1), values="1", title="Признак реабилитации")
PRVS = E("PRVS", "1", N(4), title="Специальность лечащего врача (V021)")
VERS_SPEC = E("VERS_SPEC", "1", T(4), title="Код классификатора медицинских специальностей")
IDDOKT = E("IDDOKT", "1", T(25), title="Код лечащего врача")
ED_COL = E("ED_COL", "0..1", N(5, 2), title="Количество единиц оплаты")
TARIF = E("TARIF", "0..1", MONEY, title="Тариф")
SUM_M = E("SUM_M", "1", MONEY, title="Стоимость случая")
COMENTSL = E("COMENTSL", "0..1", T(250), title="Служебное поле")

NAPR = E(
    "NAPR",
    "0..n",
    [
        E("NAPR_DATE", "1", D, title="Дата направления"),
        E("NAPR_MO", "0..1", T(6), title="МО, куда оформлено направление"),
        E("NAPR_V", "1", N(2), title="Вид направления (V028)"),
        E("MET_ISSL", "0..1", N(2), title="Метод диагностического исследования (V029)"),
        E("NAPR_USL", "0..1", T(15), title="Медицинская услуга (V001)"),
    ],
    title="Сведения об оформлении направления",
)

CONS = E(
    "CONS",
    "0..n",
    [
        E("PR_CONS", "1", N(1), title="Цель проведения консилиума (N019)"),
        E("DT_CONS", "0..1", D, title="Дата проведения консилиума"),
    ],
    title="Сведения о проведении консилиума",
)

ONK_LEK_PR = E(
    "LEK_PR",
    "0..n",
    [
        E("REGNUM", "1", T(6), title="Идентификатор препарата (N020)"),
        E("CODE_SH", "1", T(10), title="Код схемы лекарственной терапии (V024)"),
        E("DATE_INJ", "1..n", D, title="Дата введения"),
    ],
    title="Сведения о введённом противоопухолевом препарате",
)

ONK_SL = E(
    "ONK_SL",
    "0..1",
    [
        E("DS1_T", "1", N(1), title="Повод обращения (N018)"),
        E("STAD", "0..1", N(4), title="Стадия заболевания (N002)"),
        E("ONK_T", "0..1", N(4), title="Значение Tumor (N003)"),
        E("ONK_N", "0..1", N(4), title="Значение Nodus (N004)"),
        E("ONK_M", "0..1", N(4), title="Значение Metastasis (N005)"),
        E("MTSTZ", "0..1", N(1), values="1", title="Признак выявления отдалённых метастазов"),
        E("SOD", "0..1", N(6, 2), title="Суммарная очаговая доза"),
        E("K_FR", "0..1", N(2), title="Количество фракций проведения лучевой терапии"),
        E("WEI", "0..1", N(4, 1), title="Масса тела (кг)"),
        E("HEI", "0..1", N(3), title="Рост (см)"),
        E("BSA", "0..1", N(3, 2), title="Площадь поверхности тела (м²)"),
        E(
            "B_DIAG",
            "0..n",
            [
                E("DIAG_DATE", "1", D, title="Дата взятия материала"),
                E("DIAG_TIP", "1", N(1), values="1 2", title="Тип диагностического показателя"),
                E("DIAG_CODE", "1", N(3), title="Код диагностического показателя (N007/N010)"),
                E("DIAG_RSLT", "0..1", N(3), title="Код результата диагностики (N008/N011)"),
                E("REC_RSLT", "0..1", N(1), values="1", title="Признак получения результата диагностики"),
            ],
            title="Диагностический блок",
        ),
        E(
            "B_PROT",
            "0..n",
            [
                E("PROT", "1", N(1), title="Код противопоказания или отказа (N001)"),
                E("D_PROT", "1", D, title="Дата регистрации противопоказания или отказа"),
            ],
            title="Сведения об имеющихся противопоказаниях и отказах",
        ),
        E(
            "ONK_USL",
            "0..n",
            [
                E("USL_TIP", "1", N(1), title="Тип услуги (N013)"),
                E("HIR_TIP", "0..1", N(1), title="Тип хирургического лечения (N014)"),
                E("LEK_TIP_L", "0..1", N(1), title="Линия лекарственной терапии (N015)"),
                E("LEK_TIP_V", "0..1", N(1), title="Цикл лекарственной терапии (N016)"),
                ONK_LEK_PR,
                E("PPTR", "0..1", N(1), values="1", title="Признак проведения профилактики тошноты"),
                E("LUCH_TIP", "0..1", N(1), title="Тип лучевой терапии (N017)"),
            ],
            title="Сведения о проведённом лечении",
        ),
    ],
    title="Сведения о случае лечения онкологического заболевания",
)

KSG_KPG = E(
    "KSG_KPG",
    "0..1",
    [
        E("N_KSG", "0..1", T(20), title="Номер КСГ (V023)"),
        E("VER_KSG", "1", N(4), title="Модель определения КСГ (год)"),
        E("KSG_PG", "1", N(1), values="0 1", title="Признак использования подгруппы КСГ"),
        E("N_KPG", "0..1", T(4), title="Номер КПГ (V026)"),
        E("KOEF_Z", "1", COEF, title="Коэффициент затратоёмкости"),
        E("KOEF_UP", "1", COEF, title="Управленческий коэффициент"),
        E("BZTSZ", "1", N(8, 2), title="Базовая ставка"),
        E("KOEF_D", "1", COEF, title="Коэффициент дифференциации"),
        E("KOEF_U", "1", COEF, title="Коэффициент уровня оказания МП"),
        E("CRIT", "0..n", T(10), title="Классификационный критерий (V024)"),
        E("SL_K", "1", N(1), values="0 1", title="Признак использования КСЛП"),
        E("IT_SL", "0..1", COEF, title="Применённый коэффициент сложности лечения пациента"),
        E(
            "SL_KOEF",
            "0..n",
            [
                E("IDSL", "1", N(4), title="Номер коэффициента сложности лечения пациента"),
                E("Z_SL", "1", COEF, title="Значение коэффициента"),
            ],
            title="Коэффициенты сложности лечения пациента",
        ),
    ],
    title="Сведения о КСГ/КПГ",
)

# 3.2 additions --------------------------------------------------------------------------
LEK_PR_32 = E(
    "LEK_PR",
    "0..n",
    [
        E("DATA_INJ", "1", D, title="Дата введения лекарственного препарата"),
        E("CODE_SH", "1", T(10), title="Код схемы лечения"),
        E("REGNUM", "0..1", T(6), title="Идентификатор лекарственного препарата"),
        E("COD_MARK", "0..1", T(100), title="Код маркировки"),
        E(
            "LEK_DOSE",
            "0..1",
            [
                E("ED_IZM", "1", T(3), title="Единица измерения дозы"),
                E("DOSE_INJ", "1", N(7, 2), title="Доза введения"),
                E("METHOD_INJ", "1", T(3), title="Путь введения"),
                E("COL_INJ", "1", N(5), title="Количество введений"),
            ],
            title="Сведения о дозе",
        ),
    ],
    title="Сведения о введённом лекарственном препарате",
)

MED_DEV = E(
    "MED_DEV",
    "0..n",
    [
        E("DATE_MED", "1", D, title="Дата установки медицинского изделия"),
        E("CODE_MEDDEV", "1", N(6), title="Код вида медицинского изделия"),
        E("NUMBER_SER", "1", T(100), title="Серийный номер медицинского изделия"),
    ],
    title="Сведения о медицинских изделиях",
)

# PRVS/CODE_MD are optional inside MR_USL_N (Zabaykalsky 3.2 and D 3.1 XSDs): a refused
# service (P_OTK=1) has no doctor; when they are required is a Q015 003F rule.
MR_USL_N = E(
    "MR_USL_N",
    "1..n",
    [
        E("MR_N", "1", N(3), title="Номер медицинского работника в услуге"),
        E("PRVS", "0..1", N(4), title="Специальность (V021)"),
        E("CODE_MD", "0..1", T(25), title="Код медицинского работника"),
    ],
    title="Сведения о медицинских работниках, оказавших услугу",
)

# -- USL --------------------------------------------------------------------------------
IDSERV = E("IDSERV", "1", T(36), title="Номер записи в реестре услуг")
USL_PODR = E("PODR", "0..1", N(12), title="Код отделения")
VID_VME = E("VID_VME", "0..1", T(15), title="Вид медицинского вмешательства (V001)")
DATE_IN = E("DATE_IN", "1", D, title="Дата начала оказания услуги")
DATE_OUT = E("DATE_OUT", "1", D, title="Дата окончания оказания услуги")
DS = E("DS", "1", T(10), title="Диагноз (МКБ-10)")
CODE_USL = E("CODE_USL", "1", T(20), title="Код услуги")
KOL_USL = E("KOL_USL", "1", N(6, 2), title="Количество услуг")
USL_TARIF = E("TARIF", "0..1", MONEY, title="Тариф")
SUMV_USL = E("SUMV_USL", "1", MONEY, title="Стоимость услуги")
USL_PRVS = E("PRVS", "1", N(4), title="Специальность медработника (V021)")
CODE_MD = E("CODE_MD", "1", T(25), title="Код медицинского работника")
NPL = E("NPL", "0..1", N(1), values=span(1, 4), title="Неполный объём")
COMENTU = E("COMENTU", "0..1", T(250), title="Служебное поле")
