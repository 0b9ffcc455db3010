"""Web-noise strings for the benchmark corpus (all invented; no real site is named).

Templates may hold the placeholders ``{site}`` (a fictional site or publisher name),
``{path}`` (the requested path), ``{year}``, ``{n}`` (a small number) and ``{ref}``
(a random hex id).
"""

from __future__ import annotations

# Error-page templates: language -> list of (http statuses typical for it, lines).
ERROR_TEMPLATES: dict[str, list[tuple[tuple[int, ...], tuple[str, ...]]]] = {
    "en": [
        ((404, 403), ("Oops!!", "Error! Sorry, the page you asked for does not exist anymore.")),
        (
            (404,),
            (
                "404 - Page Not Found",
                "The page you requested could not be found. It may have been moved or deleted.",
            ),
        ),
        (
            (404, 410),
            (
                "Page not found",
                "We can't seem to find the page you're looking for.",
                "Go back to the homepage",
            ),
        ),
        (
            (404,),
            (
                "Nothing here...",
                "It looks like nothing was found at this location. Maybe try a search?",
            ),
        ),
        (
            (403,),
            ("Access Denied", "You don't have permission to access this page on this server."),
        ),
        (
            (403,),
            (
                "403 Forbidden",
                "Your request was blocked. If you believe this is an error, please contact the "
                "site administrator.",
            ),
        ),
        (
            (410,),
            (
                "This content is no longer available",
                "The article you are trying to reach has been removed by the publisher.",
            ),
        ),
        (
            (500,),
            (
                "500 Internal Server Error",
                "Something went wrong on our end. Please try again later.",
            ),
        ),
        (
            (500,),
            (
                "We'll be right back!",
                "Our website is experiencing technical difficulties. Please refresh the page in a "
                "few minutes.",
            ),
        ),
        (
            (404, 403),
            (
                "Sorry!",
                "The link you followed may be broken, or the page may have been removed.",
                "Return to {site}",
            ),
        ),
    ],
    "de": [
        (
            (404,),
            (
                "Seite nicht gefunden",
                "Die angeforderte Seite existiert leider nicht oder wurde verschoben.",
            ),
        ),
        ((403,), ("Zugriff verweigert", "Sie haben keine Berechtigung, diese Seite aufzurufen.")),
        (
            (500,),
            (
                "Interner Serverfehler",
                "Leider ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut.",
            ),
        ),
    ],
    "fr": [
        (
            (404,),
            (
                "Page introuvable",
                "Désolé, la page que vous recherchez n'existe pas ou a été déplacée.",
            ),
        ),
        ((403,), ("Accès refusé", "Vous n'avez pas l'autorisation d'accéder à cette page.")),
        (
            (410, 404),
            ("Oups ! Erreur 404", "Ce contenu n'est plus disponible.", "Retour à l'accueil"),
        ),
    ],
    "es": [
        (
            (404,),
            (
                "Página no encontrada",
                "Lo sentimos, la página que busca no existe o ha sido eliminada.",
            ),
        ),
        (
            (500,),
            (
                "Error interno del servidor",
                "Algo salió mal. Por favor, inténtelo de nuevo más tarde.",
            ),
        ),
    ],
    "it": [
        ((404,), ("Pagina non trovata", "Ci dispiace, la pagina che stai cercando non esiste.")),
        (
            (403,),
            (
                "Accesso negato",
                "Non disponi dei permessi necessari per visualizzare questa pagina.",
            ),
        ),
    ],
    "pt": [
        (
            (404,),
            (
                "Página não encontrada",
                "Desculpe, a página que você procura não existe ou foi removida.",
            ),
        ),
        (
            (500,),
            ("Erro interno do servidor", "Ocorreu um erro inesperado. Tente novamente mais tarde."),
        ),
    ],
    "nl": [
        ((404,), ("Pagina niet gevonden", "Helaas, de pagina die u zoekt bestaat niet (meer).")),
    ],
    "pl": [
        ((404,), ("Nie znaleziono strony", "Przepraszamy, strona, której szukasz, nie istnieje.")),
    ],
    "ru": [
        (
            (404,),
            (
                "Страница не найдена",
                "К сожалению, запрашиваемая страница не существует или была удалена.",
            ),
        ),
        ((403,), ("Доступ запрещён", "У вас нет прав для просмотра этой страницы.")),
    ],
    "tr": [
        ((404,), ("Sayfa bulunamadı", "Aradığınız sayfa mevcut değil veya taşınmış olabilir.")),
    ],
    "sv": [
        ((404,), ("Sidan kunde inte hittas", "Tyvärr finns sidan du letar efter inte längre.")),
    ],
    "ja": [
        (
            (404,),
            (
                "ページが見つかりません",
                "お探しのページは削除されたか、URLが変更された可能性があります。",
            ),
        ),
    ],
    "zh": [
        ((404,), ("页面未找到", "抱歉，您访问的页面不存在或已被删除。")),
    ],
}

# Lines that identify the failed request; every soft-404 page gets one, so pages stay distinct.
SOFT404_REQUEST: tuple[str, ...] = (
    "The requested URL {path} was not found on this server.",
    "Error reference: {ref}",
    "Request ID {ref} | {path}",
    "No page matches {path}",
)

# Extra lines that pad out a pure soft-404 page (no article follows).
SOFT404_EXTRA: tuple[str, ...] = (
    "You may have mistyped the address, or the page may have moved.",
    "Try one of the links below or use the search box.",
    "Search this site",
    "Error code: {n}04-{year}",
    "If you reached this page from a link on {site}, please let us know.",
)

DISCLAIMER_HEADINGS: tuple[str, ...] = (
    "Legal Disclaimer:",
    "Disclaimer",
    "DISCLAIMER:",
    "Legal notice",
    "Important information",
    "Terms of use",
)

DISCLAIMER_BODIES: tuple[str, ...] = (
    "{site} provides this information \u201cas is\u201d without warranty of any kind. We accept "
    "no responsibility or "
    "liability for the accuracy, completeness, legality or reliability of the content of this "
    "article. Complaints "
    "or copyright issues related to this article should be sent to the provider named above.",
    "The views expressed in this article are those of the author and do not necessarily reflect "
    "the official "
    "position of {site}. This material is provided for general information only and does not "
    "constitute financial, "
    "legal or medical advice.",
    "This press release was distributed by {site}. The publisher is not responsible for its "
    "content and makes no "
    "representation as to its accuracy. Readers should verify all information independently.",
    "All content on {site} is protected by copyright. Reproduction, redistribution or "
    "retransmission of any part of "
    "this article without the prior written consent of {site} is strictly prohibited.",
    "{site} may receive a commission for purchases made through links in this article. Prices and "
    "availability are "
    "subject to change and were accurate at the time of publication.",
    "Information on this page is provided by third parties and has not been verified by {site}. "
    "Use of this "
    "information is entirely at your own risk, and {site} disclaims all liability arising from it.",
)

COMMENT_WIDGETS: tuple[tuple[str, ...], ...] = (
    ("CommentsNo comment",),
    ("Comments", "No comment"),
    ("Leave a reply",),
    ("Leave a Reply Cancel reply",),
    ("Leave a Reply", "Your email address will not be published. Required fields are marked *"),
    ("0 Comments",),
    ("No comments yet. Be the first to comment!",),
    ("Comments are closed.",),
    ("Post a Comment", "No comments:"),
    ("{n} Comments", "Add a comment"),
    ("Join the discussion", "Log in to comment"),
)

COOKIE_NOTICES: tuple[tuple[str, ...], ...] = (
    (
        "We use cookies to improve your experience on our site. By continuing to browse, you "
        "agree to our use of cookies.",
        "Accept",
    ),
    ("This website uses cookies to ensure you get the best experience.", "Got it!"),
    (
        "We and our partners use cookies to personalise content and ads and to analyse our "
        "traffic.",
        "Accept all cookies",
        "Manage preferences",
    ),
    (
        "By using {site} you consent to the use of cookies in accordance with our Cookie Policy.",
        "OK",
    ),
    (
        "Cookie settings",
        "We use essential cookies to make our site work. With your consent, we may also use "
        "non-essential cookies to improve user experience.",
        "Accept",
        "Reject",
    ),
    (
        "Diese Website verwendet Cookies. Wenn Sie die Website weiter nutzen, stimmen Sie der "
        "Verwendung zu.",
        "Einverstanden",
    ),
    ("Ce site utilise des cookies pour améliorer votre expérience de navigation.", "J'accepte"),
)

SHARE_PROMPTS: tuple[tuple[str, ...], ...] = (
    ("Share this article",),
    ("Share this:", "Email", "Print"),
    ("Share | Email | Print | Copy link",),
    (
        "Subscribe to our newsletter",
        "Sign up for our daily briefing and get the top stories delivered to your inbox.",
    ),
    ("Enjoyed this article? Subscribe to {site} for more.",),
    ("Follow us for more updates",),
    ("Like this story? Share it with a friend!",),
    ("Get the latest news delivered to your inbox", "Subscribe"),
    ("Click here to subscribe to our video channel and never miss a video.",),
    ("Related: More stories from {site}",),
)

NAV_SECTIONS: tuple[str, ...] = (
    "News",
    "World",
    "Business",
    "Markets",
    "Technology",
    "Science",
    "Health",
    "Lifestyle",
    "Travel",
    "Sports",
    "Culture",
    "Opinion",
    "Food",
    "Local",
    "Politics",
    "Education",
    "Reviews",
    "Guides",
)

NAV_LINES: tuple[str, ...] = (
    "Home > {a} > {b}",
    "Home \u00bb {a} \u00bb {b}",
    "You are here: Home / {a} / {b}",
    "Home | {a} | {b} | {c}",
    "Skip to main content",
    "Menu",
    "Search",
    "Main menu: {a} {b} {c} {d}",
    "Sign in | Register",
)

FOOTER_LINES: tuple[str, ...] = (
    "\u00a9 {year} {site}. All rights reserved.",
    "Copyright {year} {site} | Privacy Policy | Terms of Service",
    "Published on {site} | Updated {year}",
    "Back to top",
    "Contact us | About us | Advertise | Careers",
)

READ_MORE: tuple[str, ...] = (
    " Read more",
    " Read more \u00bb",
    "\u2026 Read more",
    " [Read more]",
    " Continue reading",
)

SITE_WORDS_A: tuple[str, ...] = (
    "harbor",
    "meridian",
    "copper",
    "lantern",
    "northwind",
    "riverbend",
    "bluestone",
    "cedar",
    "silverline",
    "amber",
    "granite",
    "summit",
    "brightwater",
    "oakfield",
    "tidewater",
    "redwood",
    "falcon",
    "willow",
)

SITE_WORDS_B: tuple[str, ...] = (
    "post",
    "daily",
    "wire",
    "herald",
    "times",
    "review",
    "journal",
    "gazette",
    "chronicle",
    "insider",
    "digest",
    "report",
    "ledger",
    "beacon",
    "courier",
    "observer",
    "press",
    "media",
)
