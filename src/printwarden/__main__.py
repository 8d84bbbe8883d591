from printwarden.cli import main

main()
